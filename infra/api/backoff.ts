export interface BackoffOptions {
  /** First delay ceiling, in ms. */
  baseMs?: number;
  /** Largest delay, in ms. */
  maxMs?: number;
  /** Injectable for deterministic tests. */
  random?: () => number;
}

/**
 * Exponential backoff with "equal jitter": half the ceiling fixed, half random, so that parallel
 * retries spread out but never retry immediately.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? 250;
  const max = options.maxMs ?? 4_000;
  const ceiling = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (options.random ?? Math.random)() * (ceiling / 2));
}

/** A wait that an abort ends early (rejecting with the signal's reason); no timer outlives it. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
