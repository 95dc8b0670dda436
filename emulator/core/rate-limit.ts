/**
 * Cloudflare's per-token budget: a fixed window of `requests` per `windowSeconds`
 * (1200 per 5 minutes by default), answered with 429 and `Retry-After` once spent.
 */
export class RateLimiter {
  private windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly limits: () => { requests: number; windowSeconds: number }) {}

  /** Counts one request; returns what the `Ratelimit` headers report. */
  take(key: string, nowMs = Date.now()): { allowed: boolean; remaining: number; resetSeconds: number } {
    const { requests, windowSeconds } = this.limits();
    const windowMs = windowSeconds * 1000;
    let w = this.windows.get(key);
    if (!w || nowMs - w.start >= windowMs) {
      w = { start: nowMs, count: 0 };
      this.windows.set(key, w);
    }
    const resetSeconds = Math.max(1, Math.ceil((w.start + windowMs - nowMs) / 1000));
    if (w.count >= requests) return { allowed: false, remaining: 0, resetSeconds };
    w.count += 1;
    return { allowed: true, remaining: requests - w.count, resetSeconds };
  }

  reset(): void {
    this.windows.clear();
  }
}
