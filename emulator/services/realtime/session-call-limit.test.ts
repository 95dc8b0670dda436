import { describe, expect, it } from "vitest";
import { newSessionResponse } from "#contracts/cloudflare/realtime.ts";
import { SESSION_CALLS_PER_SECOND } from "./session-call-limit.ts";
import { expectRealtimeError, useSfu } from "./testing.ts";

/** The per-session limit counts on this clock, so that a second passes without waiting. */
const clock = { now: Date.now() };
const { ctx } = useSfu({ clock: () => clock.now });

async function newSession(): Promise<string> {
  const res = await ctx.call("/sessions/new");
  expect(res.status).toBe(201);
  return newSessionResponse.parse(await res.json()).sessionId;
}

const read = (sessionId: string) => ctx.call(`/sessions/${sessionId}`, undefined, "GET");

describe("the Realtime API's 50 calls per second per session", () => {
  it("answers a session's 51st call within a second with 429 and Retry-After, then serves it again", async () => {
    const [busy, other] = [await newSession(), await newSession()];
    const answers = await Promise.all(Array.from({ length: SESSION_CALLS_PER_SECOND }, () => read(busy)));
    expect(answers.map((res) => res.status)).toEqual(Array(SESSION_CALLS_PER_SECOND).fill(200));

    const refused = await read(busy);
    expect(refused.headers.get("retry-after")).toBe("1");
    await expectRealtimeError(refused, 429, "rate_limited");
    // Every call on the session counts, whatever its route; another session and new sessions do not.
    await expectRealtimeError(
      await ctx.call(`/sessions/${busy}/tracks/new`, { tracks: [] }),
      429,
      "rate_limited",
    );
    expect((await read(other)).status).toBe(200);
    await newSession();

    clock.now += 999;
    expect((await read(busy)).status).toBe(429);
    clock.now += 1;
    expect((await read(busy)).status).toBe(200);
  });

  it("counts a sliding second: calls spread over it add up", async () => {
    const session = await newSession();
    for (let i = 0; i < SESSION_CALLS_PER_SECOND; i++) {
      expect((await read(session)).status).toBe(200);
      clock.now += 10;
    }
    // 500 ms after the first call, the 50 made since are all still inside one second.
    await expectRealtimeError(await read(session), 429, "rate_limited");
    clock.now += 500;
    expect((await read(session)).status).toBe(200);
  });
});
