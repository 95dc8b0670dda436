import type { ApiErrorCode } from "#contracts/api/errors.ts";

/**
 * What the client itself concluded, when the Worker gave no usable answer: `network_error` (nothing
 * came back), `timeout` (the deadline passed first), `aborted` (the caller's signal), and
 * `invalid_response` (an answer that is not the route's documented one).
 */
export type ClientErrorCode = "network_error" | "timeout" | "aborted" | "invalid_response";

/** A Worker API call that did not give the route's documented success. */
export class ApiError extends Error {
  override readonly name = "ApiError";

  constructor(
    /** `METHOD /path` of the route, without its query. */
    readonly route: string,
    /** The Worker's error code (contracts/api/errors.ts), or the client's own when the Worker gave none. */
    readonly code: ApiErrorCode | ClientErrorCode,
    /** The HTTP status; 0 when no answer came back. */
    readonly status: number,
    /** The Worker's own message (or the client's), without the route and status that `message` adds. */
    readonly reason: string,
    readonly extra: {
      /** Seconds the Worker asked the caller to wait (`Retry-After`), when it said. */
      retryAfter?: number;
      /** The Worker's `x-request-id`, to quote when asking an operator about this call. */
      requestId?: string;
      /** The error's `details`, as the Worker sent them (a validation issue's path, for instance). */
      details?: unknown;
    } = {},
  ) {
    super(`${route}: ${status > 0 ? `HTTP ${status} ` : ""}${code}: ${reason}`);
  }

  get retryAfter(): number | undefined {
    return this.extra.retryAfter;
  }

  get requestId(): string | undefined {
    return this.extra.requestId;
  }

  get details(): unknown {
    return this.extra.details;
  }

  /** The credential was refused: sign in (or mint a grant) again, retrying will not help. */
  get unauthorized(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

/**
 * How a caller's aborted signal ended its call: a signal made by `AbortSignal.timeout` aborts with
 * a TimeoutError (the DOM standard's), which is the caller's deadline passing; any other reason is
 * the caller giving up.
 */
function endedBy(signal: AbortSignal): "timeout" | "aborted" {
  const reason: unknown = signal.reason;
  return reason instanceof DOMException && reason.name === "TimeoutError" ? "timeout" : "aborted";
}

/**
 * Why a request, or the body of its answer, was cut short, and how to say it: the client's own
 * deadline first, then the caller's signal, then the network. The order matters because the first
 * two abort the fetch, which then fails just as a dropped connection makes it fail. `part` names
 * what was cut off (`the answer`, `the stream`), and is absent when nothing came back at all.
 */
export function cutShort(
  ended: { deadline: boolean; signal: AbortSignal | undefined },
  part: string | undefined,
  network: string,
): { code: "timeout" | "aborted" | "network_error"; reason: string } {
  const code = ended.deadline ? "timeout" : ended.signal?.aborted ? endedBy(ended.signal) : "network_error";
  if (code === "timeout") {
    return { code, reason: part ? `${part} was cut off by the deadline` : "no answer before the deadline" };
  }
  return { code, reason: code === "aborted" ? "the caller aborted the call" : network };
}
