import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { CfHttpError } from "../../core/errors.ts";

/** A Realtime API error: answered as `{ errorCode, errorDescription }` with this status. */
export class RealtimeHttpError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    description: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
  }
}

/** The Realtime API's error codes (docs/reference/cloudflare-api.md §5.2), with the statuses it answers them with. */
export const realtimeErrors = {
  unauthorized: () => new RealtimeHttpError(401, "unauthorized", "missing or invalid bearer token"),
  notFound: (what: string) => new RealtimeHttpError(404, "not_found", `${what} not found`),
  decoding: (why: string) => new RealtimeHttpError(400, "decoding_error", why),
  invalidParams: (why: string) => new RealtimeHttpError(400, "invalid_params", why),
  invalidSessionDescription: (why: string) => new RealtimeHttpError(400, "invalid_session_description", why),
  sessionClosed: () => new RealtimeHttpError(410, "session_error", "the session is closed"),
  notConnected: () =>
    new RealtimeHttpError(
      425,
      "session_error",
      "the session's PeerConnection is not connected: finish the offer/answer exchange and let it connect first",
    ),
  /**
   * Over the 50 calls per second a session may make (session-call-limit.ts). Cloudflare documents
   * the limit but not its answer: 429 with `Retry-After` is HTTP's, the `errorCode` is a guess (the
   * documented codes, docs/reference/cloudflare-api.md §5.2, have none for it).
   */
  rateLimited: (retryAfterSeconds: number) =>
    new RealtimeHttpError(
      429,
      "rate_limited",
      `too many API calls on this session: at most 50 per second; retry in ${retryAfterSeconds} s`,
      { "retry-after": String(retryAfterSeconds) },
    ),
  offerPending: () =>
    new RealtimeHttpError(
      406,
      "invalid_session_description",
      "the SFU's offer awaits the client's answer through renegotiate: complete that exchange first",
    ),
};

/** Statuses the emulator core raises on Realtime paths (the body limit), in Realtime's words. */
const CORE_ERROR_CODES: Record<number, string> = {
  400: "invalid_params",
  401: "unauthorized",
  404: "not_found",
  413: "payload_too_large",
};

/** The response for an error thrown while serving the Realtime API: never Cloudflare's v4 envelope. */
export function realtimeErrorResponse(err: unknown, c: Context): Response {
  if (err instanceof RealtimeHttpError) {
    for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
    return c.json(
      { errorCode: err.errorCode, errorDescription: err.message },
      err.status as ContentfulStatusCode,
    );
  }
  if (err instanceof CfHttpError && CORE_ERROR_CODES[err.status]) {
    for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
    return c.json(
      {
        errorCode: CORE_ERROR_CODES[err.status],
        errorDescription: err.errors.map((e) => e.message).join("; "),
      },
      err.status as ContentfulStatusCode,
    );
  }
  console.error(
    `emulator: ${c.req.method} ${c.req.path} failed: ${err instanceof Error ? err.message : err}`,
  );
  return c.json({ errorCode: "internal_error", errorDescription: "internal error" }, 500);
}
