import { describe, expect, it } from "vitest";
import * as z from "zod/mini";
import { onlyOnce } from "./api/only-once.ts";
import { ApiPace, type PaceClock } from "./api/pace.ts";
import { CloudflareApiError, CloudflareRest, isOutcomeUnknown } from "./cloudflare-rest.ts";

/** Virtual time that records every wait, so that a five-minute Retry-After takes no time here. */
function virtualClock(): PaceClock & { t: number; waits: number[] } {
  const clock = {
    t: 0,
    waits: [] as number[],
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.waits.push(ms);
      clock.t += ms;
    },
  };
  return clock;
}

const ok = (result: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ success: true, errors: [], messages: [], result }), { status: 200, headers });
const fail = (status: number, headers: Record<string, string> = {}) =>
  new Response(
    JSON.stringify({ success: false, errors: [{ code: 10000 + status, message: `HTTP ${status}` }] }),
    { status, headers },
  );
/** undici's fetch failing: a TypeError whose cause carries the socket's code. */
const networkError = (code: string) => Object.assign(new TypeError("fetch failed"), { cause: { code } });

/** A client over scripted answers; records each request's method. */
function client(
  answers: (Response | Error)[],
  options: { deadlineMs?: number; maxAttempts?: number; pace?: ApiPace } = {},
) {
  const clock = virtualClock();
  const requests: string[] = [];
  const rest = new CloudflareRest({
    baseUrl: "https://api.test/client/v4",
    token: "test-token-not-a-secret",
    fetch: async (_url, init) => {
      requests.push(String(init?.method));
      const next = answers.shift();
      if (!next) throw new Error("no more scripted answers");
      if (next instanceof Error) throw next;
      return next;
    },
    retry: {
      deadlineMs: options.deadlineMs ?? 600_000,
      ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
      backoff: { random: () => 0 },
      clock,
    },
    ...(options.pace ? { pace: options.pace } : {}),
  });
  return { rest, clock, requests };
}

const item = z.object({ id: z.string() });

describe("the REST client's answers", () => {
  it("takes a delete answered 200 with no body as done, as the SDK does; any other empty answer is malformed", async () => {
    const { rest } = client([new Response(null, { status: 200 }), new Response("", { status: 200 })]);
    await expect(
      rest.call("DELETE", "/accounts/a/stream/live_inputs/x", z.unknown()),
    ).resolves.toBeUndefined();
    await expect(rest.call("GET", "/accounts/a/stream/live_inputs/x", item)).rejects.toThrow(
      "GET /accounts/a/stream/live_inputs/x: HTTP 200, body is not JSON",
    );
  });
});

describe("the REST client's retries", () => {
  it("waits as long as a 429's Retry-After asks, then succeeds", async () => {
    const { rest, clock, requests } = client([fail(429, { "retry-after": "7" }), ok({ id: "a" })]);
    expect(await rest.call("POST", "/things", item, {})).toEqual({ id: "a" });
    expect(requests).toEqual(["POST", "POST"]);
    expect(clock.waits).toEqual([7_000]);
  });

  it("retries a 5xx on a call that is safe to repeat, backing off", async () => {
    const { rest, clock, requests } = client([fail(502), fail(503), ok({ id: "a" })]);
    expect(await rest.call("GET", "/things/a", item)).toEqual({ id: "a" });
    expect(requests).toEqual(["GET", "GET", "GET"]);
    // The SDK's schedule with no jitter drawn: half of 0.5 s, then half of 1 s.
    expect(clock.waits).toEqual([250, 500]);
  });

  it("retries a reset connection on a PUT, and a refused connection on any call", async () => {
    const { rest, requests } = client([
      networkError("ECONNRESET"),
      ok({ id: "a" }),
      networkError("ECONNREFUSED"),
      ok({ id: "b" }),
    ]);
    expect(await rest.call("PUT", "/things/a", item, {})).toEqual({ id: "a" });
    // Refused: the request never left, so not even a create can have happened.
    expect(await rest.call("POST", "/things", item, {})).toEqual({ id: "b" });
    expect(requests).toEqual(["PUT", "PUT", "POST", "POST"]);
  });

  it("never repeats a create whose outcome is unknown: it says so instead", async () => {
    for (const lost of [fail(502), networkError("ECONNRESET"), new Response("{", { status: 200 })]) {
      const { rest, requests } = client([lost, ok({ id: "again" })]);
      const error = await rest.call("POST", "/things", item, {}).catch((e: unknown) => e);
      expect(isOutcomeUnknown(error)).toBe(true);
      expect(requests).toEqual(["POST"]);
    }
    const refused = client([fail(400)]);
    const error = await refused.rest.call("POST", "/things", item, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CloudflareApiError);
    expect(isOutcomeUnknown(error)).toBe(false);
  });

  it("backs off before a create reconciled after a lost answer is tried again", async () => {
    const { rest, clock, requests } = client([fail(502), fail(502), ok({ id: "made" })]);
    let reconciled = 0;
    const made = await onlyOnce(rest, "thing", {
      before: async () => undefined,
      attempt: () => rest.call("POST", "/things", item, {}),
      reconcile: async () => {
        reconciled += 1;
        return undefined;
      },
      unresolved: "look for the thing",
    });
    expect(made).toEqual({ id: "made" });
    expect(reconciled).toBe(2);
    expect(requests).toEqual(["POST", "POST", "POST"]);
    // The SDK's backoff with no jitter (random 0): half of 500 ms, then half of 1 s.
    expect(clock.waits).toEqual([250, 500]);
  });

  it("gives up at its deadline with the last error, and at once when a 429 asks for longer", async () => {
    const { rest, requests } = client([fail(503), fail(503), fail(503), fail(503)], { deadlineMs: 1_000 });
    await expect(rest.call("GET", "/things/a", item)).rejects.toThrow(
      "GET /things/a: HTTP 503 10503 HTTP 503 (gave up after 3 attempts in 1 s)",
    );
    // Waits of 0.25 s and 0.5 s fit in the second; the next, 1 s, would not.
    expect(requests).toHaveLength(3);

    const blocked = client([fail(429, { "retry-after": "300" })], { deadlineMs: 60_000 });
    await expect(blocked.rest.call("GET", "/things/a", item)).rejects.toThrow(
      "(gave up after 1 attempt in 0 s; Cloudflare asked for 300 s more)",
    );
  });

  it("stops after its attempts, as an SDK's maxRetries does, well inside the deadline", async () => {
    const { rest, requests } = client([networkError("ECONNRESET"), fail(503), fail(503), ok({ id: "a" })], {
      maxAttempts: 3,
    });
    await expect(rest.call("GET", "/things/a", item)).rejects.toThrow(
      "GET /things/a: HTTP 503 10503 HTTP 503 (gave up after 3 attempts in 1 s)",
    );
    expect(requests).toEqual(["GET", "GET", "GET"]);
  });

  it("does not count waiting for the pace against the deadline", async () => {
    const clock = virtualClock();
    const pace = new ApiPace(1 / 1_200, clock);
    await pace.acquire();
    const answers = [fail(503), ok({ id: "a" })];
    const rest = new CloudflareRest({
      baseUrl: "https://api.test/client/v4",
      token: "test-token-not-a-secret",
      fetch: async () => answers.shift()!,
      pace,
      retry: { deadlineMs: 1_000, backoff: { random: () => 0 }, clock },
    });
    // One call per 5 minutes: the retry waits a whole window for its turn, and still succeeds.
    expect(await rest.call("GET", "/things/a", item)).toEqual({ id: "a" });
    expect(clock.t).toBeGreaterThanOrEqual(600_000);
  });

  it("holds the whole pace when an answer says the budget is spent", async () => {
    const clock = virtualClock();
    const pace = new ApiPace(0.5, clock);
    const answers = [ok({ id: "a" }, { ratelimit: '"default";r=0;t=120' }), ok({ id: "b" })];
    const rest = new CloudflareRest({
      baseUrl: "https://api.test/client/v4",
      token: "test-token-not-a-secret",
      fetch: async () => answers.shift()!,
      pace,
    });
    await rest.call("GET", "/things/a", item);
    await rest.call("GET", "/things/b", item);
    expect(clock.t).toBe(120_000);
  });
});
