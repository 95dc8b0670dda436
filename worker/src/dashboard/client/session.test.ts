import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Session } from "./session.ts";

const MINUTE = 60_000;
const TOKEN_TTL = 15 * MINUTE;
const SESSION = 12 * 60 * MINUTE;

/**
 * `POST /api/dashboard/token` as worker/src/routes/dashboard-token.ts answers it, on the page's
 * (fake) clock: a token lives 15 minutes, never past the session's 12 hours, after which the
 * Worker refuses with 401. Past `cap` asks it refuses too, so that a page that asks without end
 * still stops.
 */
function fakeWorker(cap = 1_000) {
  const signedInAt = Date.now();
  let asks = 0;
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  const fetch = vi.fn(async (input: RequestInfo | URL) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.pathname !== "/api/dashboard/token") return json(404, { success: false });
    asks += 1;
    const now = Date.now();
    const sessionEnds = signedInAt + SESSION;
    if (now >= sessionEnds || asks > cap) {
      return json(401, {
        success: false,
        error: { code: "invalid_credential", message: "The dashboard session has ended" },
      });
    }
    return json(200, {
      success: true,
      data: {
        token: `rdt1.fake-${asks}`,
        expires_at: new Date(Math.min(now + TOKEN_TTL, sessionEnds)).toISOString(),
        session_expires_at: new Date(sessionEnds).toISOString(),
      },
    });
  });
  return { fetch, asks: () => asks };
}

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse("2026-12-07T08:00:00Z") });
  const storage = new Map<string, string>();
  vi.stubGlobal("location", { origin: "https://dashboard.test" });
  vi.stubGlobal("sessionStorage", {
    getItem: (key: string) => storage.get(key) ?? null,
    setItem: (key: string, value: string) => storage.set(key, value),
    removeItem: (key: string) => storage.delete(key),
  });
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("the dashboard's session", () => {
  it("refreshes its token until the session's last one, then ends when that expires, without asking again", async () => {
    const worker = fakeWorker();
    vi.stubGlobal("fetch", worker.fetch);
    const ended: string[] = [];
    await Session.signIn("acme", `rsk.3.${"A".repeat(43)}`, (reason) => ended.push(reason));
    await vi.advanceTimersByTimeAsync(SESSION + MINUTE);
    // One token at sign-in, then one every 12 minutes (15 less the 3 ahead) until the one whose
    // life the session's end cuts short. Before, the last 3 minutes asked back to back.
    expect(worker.asks()).toBe(1 + Math.ceil((SESSION - TOKEN_TTL) / (12 * MINUTE)));
    expect(ended).toEqual(["The dashboard session has ended: sign in again."]);
  });
});
