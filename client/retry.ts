import type { RouteLine } from "#contracts/api/route-table.ts";
import type { ApiError } from "./api-error.ts";

/**
 * Opt-in retries. Off by default: a caller that wants them says how many attempts in all and the
 * longest wait between two; every attempt and wait stays within the call's deadline.
 */
export interface RetryPolicy {
  /** Attempts in all, the first included (2 = one retry). */
  attempts: number;
  /** The longest wait between two attempts; a longer `Retry-After` ends the call with the error instead. */
  maxDelayMs?: number;
}

const DEFAULT_MAX_DELAY_MS = 30_000;
/** Without `Retry-After`: 250 ms, 500 ms, 1 s… each with ±20 % jitter, so that clients do not retry in step. */
const BASE_DELAY_MS = 250;

/** Refused before anything happened: the Worker's meter (rate_limited) or Cloudflare's own 429. */
const REFUSED_BEFORE_ACTING = new Set(["rate_limited", "upstream_rate_limited"]);
/** Transient for a read: nothing was changed, so asking again is harmless. */
const TRANSIENT = new Set([
  "network_error",
  "timeout",
  "internal_error",
  "upstream_error",
  "upstream_timeout",
  "upstream_unavailable",
]);

/**
 * Statuses of an answer that is not the Worker's (not JSON): an error page from in front of it
 * while it cannot be reached, which a read may ask again past.
 */
const UNREACHABLE = new Set([502, 503, 504]);

/** An answer that is not the Worker's own, with this status. */
const inFrontOfWorker = (error: ApiError, statuses: (status: number) => boolean) =>
  error.code === "invalid_response" && statuses(error.status);

/**
 * Whether `error` may be retried on `route`. A GET changes nothing, so any transient failure may be
 * retried. Anything else (a mint, a connect, a proxied SFU call) is retried only when the Worker or
 * Cloudflare refused it with 429 before acting (or something in front of the Worker did, which it
 * never reached): after a lost answer or a 5xx the first attempt may have minted a credential or
 * changed a session, and a blind second one would do it twice.
 */
export function retryable(route: Pick<RouteLine, "method">, error: ApiError): boolean {
  if (REFUSED_BEFORE_ACTING.has(error.code) || inFrontOfWorker(error, (s) => s === 429)) return true;
  if (route.method !== "GET") return false;
  return TRANSIENT.has(error.code) || inFrontOfWorker(error, (s) => UNREACHABLE.has(s));
}

/** How long to wait before attempt `attempt + 1`, or undefined when the policy says to stop. */
export function retryDelay(policy: RetryPolicy, attempt: number, error: ApiError): number | undefined {
  if (attempt >= policy.attempts) return undefined;
  const max = policy.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  if (error.retryAfter !== undefined) {
    const asked = error.retryAfter * 1000;
    return asked <= max ? asked : undefined;
  }
  return Math.min(max, jitter(BASE_DELAY_MS * 2 ** (attempt - 1)));
}

export const jitter = (ms: number) => Math.round(ms * (0.8 + Math.random() * 0.4));

/** A wait that the signal cuts short; its listener goes when either ends, so a long-lived signal gathers none. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
