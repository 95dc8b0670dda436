import { afterEach, describe, expect, it, vi } from "vitest";
import { apiFailure, apiSuccess } from "#contracts/api/envelope.ts";
import { sfuSessionData } from "#contracts/api/realtime.ts";
import { call, callAs, emulatorAdmin } from "../../test/support/api.ts";

const newSession = async (user: string) =>
  apiSuccess(sfuSessionData).parse(
    (
      await callAs("globex", "/api/realtime/sfu", {
        method: "POST",
        body: { room_id: "session-limit", user_id: user, user_name: user },
      })
    ).json,
  ).data;
const read = (session: { session_id: string; token: string }) =>
  call(`/api/realtime/sfu/sessions/${session.session_id}`, { tenant: "globex", bearer: session.token });
const upstreamReads = async (sessionId: string) =>
  (await emulatorAdmin<unknown[]>("GET", `/requests?method=GET&path=${sessionId}`)).length;

afterEach(() => {
  vi.useRealTimers();
});

describe("the session proxy's share of Realtime calls", () => {
  it("sends a session's first 50 calls of a second on, 429s the rest, and leaves other sessions theirs", async () => {
    const [busy, other] = [await newSession("busy"), await newSession("other")];
    vi.useFakeTimers({ toFake: ["Date"] });
    const before = await upstreamReads(busy.session_id);
    const answers = await Promise.all(Array.from({ length: 60 }, () => read(busy)));
    expect(answers.filter((res) => res.status === 200)).toHaveLength(50);
    const refused = answers.filter((res) => res.status !== 200);
    expect(refused).toHaveLength(10);
    for (const res of refused) {
      expect(res.status).toBe(429);
      // The window is counted in twentieths: the oldest call leaves it at most 1.05 s after it was made.
      expect(["1", "2"]).toContain(res.headers.get("retry-after"));
      expect(apiFailure.parse(res.json).error.details).toMatchObject({
        scope: "session",
        budget: "sfu_session",
      });
    }
    expect((await upstreamReads(busy.session_id)) - before).toBe(50);
    expect((await read(other)).status).toBe(200);

    vi.advanceTimersByTime(1_100);
    expect((await read(busy)).status).toBe(200);
  });
});
