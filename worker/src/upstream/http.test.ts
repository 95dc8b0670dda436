import { describe, expect, it } from "vitest";
import * as z from "zod";
import { realtimeProtocol, type UpstreamError, UpstreamHttp, v4Protocol } from "./http.ts";

const TOKEN = "upstream-token-0123456789";
type Reply = () => Response | Promise<Response>;

/** A fetch that answers from a script, one reply per call, and records what it was sent. */
function scripted(...replies: Reply[]) {
  const sent: Request[] = [];
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    sent.push(new Request(input, init));
    const reply = replies[Math.min(sent.length - 1, replies.length - 1)]!;
    return reply();
  }) as typeof globalThis.fetch;
  return { fetch, sent };
}

const json =
  (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  () =>
    new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json", ...headers },
    });
const v4 = (result: unknown) => json({ success: true, errors: [], messages: [], result });
const result = z.object({ id: z.string() });

const client = (fetch: typeof globalThis.fetch, protocol = v4Protocol, deadlineMs = 2_000) =>
  new UpstreamHttp("stream", "https://upstream.test/base", TOKEN, protocol, {
    fetch,
    deadlineMs,
    random: () => 0,
  });
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e as UpstreamError,
  );

describe("UpstreamHttp", () => {
  it("sends the bearer and the validated body, and unwraps the v4 result", async () => {
    const { fetch, sent } = scripted(v4({ id: "a" }));
    const body = z.object({ enabled: z.boolean() });
    const got = await client(fetch).call({
      method: "PUT",
      path: "/x",
      request: { schema: body, body: { enabled: true } },
      response: result,
      idempotent: true,
    });
    expect(got).toEqual({ id: "a" });
    expect(sent[0]?.url).toBe("https://upstream.test/base/x");
    expect(sent[0]?.headers.get("authorization")).toBe(`Bearer ${TOKEN}`);
    expect(await sent[0]?.json()).toEqual({ enabled: true });
  });

  it("retries an idempotent call after a connection failure, and not a POST", async () => {
    const down = () => Promise.reject(new TypeError("connection refused"));
    const get = scripted(down, v4({ id: "b" }));
    expect(
      await client(get.fetch).call({ method: "GET", path: "/", response: result, idempotent: true }),
    ).toEqual({ id: "b" });
    const post = scripted(down, v4({ id: "b" }));
    const error = await failure(
      client(post.fetch).call({ method: "POST", path: "/", response: result, idempotent: false }),
    );
    expect(error).toMatchObject({ code: "unreachable", status: 0 });
    expect(post.sent).toHaveLength(1);
  });

  it("waits out a Retry-After that fits in the deadline, given as seconds or as a date", async () => {
    const inOneSecond = new Date(Date.now() + 1_000).toUTCString();
    for (const retryAfter of ["1", inOneSecond]) {
      const { fetch, sent } = scripted(json({}, 429, { "retry-after": retryAfter }), v4({ id: "c" }));
      const got = await client(fetch).call({ method: "GET", path: "/", response: result, idempotent: true });
      expect(got).toEqual({ id: "c" });
      expect(sent).toHaveLength(2);
    }
  });

  it("does not retry what retrying cannot fix: refused credentials and rejected requests", async () => {
    for (const [status, code] of [
      [401, "auth_failed"],
      [403, "auth_failed"],
      [404, "rejected"],
    ] as const) {
      const { fetch, sent } = scripted(
        json({ success: false, errors: [{ code: 10007, message: "x" }], messages: [], result: null }, status),
      );
      const error = await failure(
        client(fetch).call({ method: "GET", path: "/", response: result, idempotent: true }),
      );
      expect(error).toMatchObject({ code, status, retryable: false, detail: { upstreamCode: "10007" } });
      expect(sent).toHaveLength(1);
    }
  });

  it("reads a Realtime errorCode in a 2xx body as a refusal", async () => {
    const { fetch } = scripted(json({ errorCode: "session_error", errorDescription: "gone" }));
    const error = await failure(
      client(fetch, realtimeProtocol).call({ method: "GET", path: "/", response: result, idempotent: true }),
    );
    expect(error).toMatchObject({ code: "rejected", detail: { upstreamCode: "session_error" } });
  });

  it("calls a 2xx of the wrong shape an invalid response, and never puts the token in an error", async () => {
    const { fetch } = scripted(v4({ unexpected: TOKEN }));
    const error = await failure(
      client(fetch).call({ method: "GET", path: "/", response: result, idempotent: false }),
    );
    expect(error).toMatchObject({ code: "invalid_response" });
    expect(JSON.stringify([error?.message, error?.toJSON()])).not.toContain(TOKEN);
  });
});
