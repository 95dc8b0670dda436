import { setTimeout as sleep } from "node:timers/promises";
import { type BackoffOptions, backoffDelay } from "#infra/api/backoff.ts";
import { messageOf } from "#infra/api/error-message.ts";

/** Less time than this before the deadline is not worth another attempt. */
const LAST_ATTEMPT_MS = 100;

export interface RetryOptions extends BackoffOptions {
  /** Absolute time (ms since epoch) after which no new attempt starts. */
  deadline: number;
  /** Called before waiting for the next attempt. */
  onRetry?: (attempt: number, error: unknown, delayMs: number) => void;
  /** Aborts the wait between attempts and the attempt in flight. */
  signal?: AbortSignal;
}

export class RetriesExhausted extends Error {
  constructor(
    readonly lastError: unknown,
    readonly attempts: number,
  ) {
    super(messageOf(lastError));
    this.name = "RetriesExhausted";
  }
}

/**
 * Runs `attempt` until it resolves or the deadline leaves no time for another try. Each attempt gets
 * a signal that fires at the deadline, so that a hanging call cannot outlive it. Kept instead of zx's
 * `retry(count, backoff, fn)`: that one counts attempts, and neither bounds them by one overall
 * deadline nor cancels the attempt in flight (zx 8 src/goods.ts).
 */
export async function retryUntil<T>(
  attempt: (n: number, signal: AbortSignal) => Promise<T>,
  options: RetryOptions,
): Promise<{ value: T; attempts: number }> {
  for (let n = 1; ; n += 1) {
    const remaining = options.deadline - Date.now();
    const deadlineSignal = AbortSignal.timeout(Math.max(1, remaining));
    const signal = options.signal ? AbortSignal.any([deadlineSignal, options.signal]) : deadlineSignal;
    try {
      return { value: await attempt(n, signal), attempts: n };
    } catch (error) {
      // The last wait is cut short so that one more attempt still fits before the deadline.
      const delay = Math.min(backoffDelay(n, options), options.deadline - Date.now() - LAST_ATTEMPT_MS);
      if (options.signal?.aborted || delay < 0) throw new RetriesExhausted(error, n);
      options.onRetry?.(n, error, delay);
      await sleep(delay, undefined, options.signal ? { signal: options.signal } : {}).catch(() => {});
    }
  }
}
