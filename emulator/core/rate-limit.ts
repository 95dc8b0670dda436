import { SlidingWindow } from "./sliding-window.ts";

/** The budget every token gets: `requests` per `windowSeconds`. */
export interface RateLimitPolicy {
  requests: number;
  windowSeconds: number;
}

/** One request's verdict, and what the `Ratelimit` headers report with it. */
export interface RateLimitVerdict {
  allowed: boolean;
  /** Requests left in the current window (0 while blocked). */
  remaining: number;
  /** Seconds until the window resets, or, while blocked, until the block ends: `Retry-After` on a 429. */
  resetSeconds: number;
}

/** What a test or bench reads about one token's use of its budget (`GET /__emulator/rate_limit`). */
export interface TokenRateCounters {
  tokenId: string;
  /** Requests accepted in the token's current window. */
  windowRequests: number;
  /**
   * The most calls the token made in any window of `windowSeconds` (sliding, refused calls included)
   * since the emulator started or was reset: at most `requests` when a client paced itself.
   */
  peakWindowRequests: number;
  /** Calls answered 429. */
  refusals: number;
  /** While the token is blocked, when the block ends (ISO 8601); otherwise null. */
  blockedUntil: string | null;
}

interface TokenBudget {
  /** When the current window started; undefined before the first request and after a block. */
  windowStart?: number | undefined;
  accepted: number;
  blockedUntil: number;
  refusals: number;
  calls: SlidingWindow;
  peak: number;
}

/**
 * Cloudflare's per-token API budget: 1,200 requests per 5 minutes; "if you exceed this limit, all API
 * calls for the next five minutes will be blocked, receiving a HTTP 429 response"
 * (developers.cloudflare.com/fundamentals/api/reference/limits/, docs/reference/cloudflare-api.md §8).
 * The window is fixed, starting at a token's first request, as the `Ratelimit` header's "time the
 * next window resets" describes it. The request that exceeds the budget starts a block of one window
 * length (5 minutes by default); calls during the block are refused without extending it, and the
 * first call after it opens a fresh window. The clock is injectable so that tests need not wait.
 */
export class RateLimiter {
  private budgets = new Map<string, TokenBudget>();

  constructor(
    private readonly policy: () => RateLimitPolicy,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Counts one request of `key` (a token id). */
  take(key: string): RateLimitVerdict {
    const now = this.clock();
    const { requests, windowSeconds } = this.policy();
    const windowMs = windowSeconds * 1000;
    const budget = this.budgetOf(key, windowMs);
    budget.peak = Math.max(budget.peak, budget.calls.add(now));
    if (now < budget.blockedUntil) return this.refuse(budget, budget.blockedUntil - now);
    if (budget.windowStart === undefined || now - budget.windowStart >= windowMs) {
      budget.windowStart = now;
      budget.accepted = 0;
    }
    if (budget.accepted >= requests) {
      budget.blockedUntil = now + windowMs;
      budget.windowStart = undefined;
      return this.refuse(budget, windowMs);
    }
    budget.accepted += 1;
    return {
      allowed: true,
      remaining: requests - budget.accepted,
      resetSeconds: seconds(budget.windowStart + windowMs - now),
    };
  }

  counters(): TokenRateCounters[] {
    const now = this.clock();
    const windowMs = this.policy().windowSeconds * 1000;
    return [...this.budgets].map(([tokenId, b]) => ({
      tokenId,
      windowRequests: b.windowStart !== undefined && now - b.windowStart < windowMs ? b.accepted : 0,
      peakWindowRequests: b.peak,
      refusals: b.refusals,
      blockedUntil: now < b.blockedUntil ? new Date(b.blockedUntil).toISOString() : null,
    }));
  }

  reset(): void {
    this.budgets.clear();
  }

  private budgetOf(key: string, windowMs: number): TokenBudget {
    let budget = this.budgets.get(key);
    if (!budget) {
      budget = { accepted: 0, blockedUntil: 0, refusals: 0, calls: new SlidingWindow(windowMs), peak: 0 };
      this.budgets.set(key, budget);
    }
    return budget;
  }

  private refuse(budget: TokenBudget, waitMs: number): RateLimitVerdict {
    budget.refusals += 1;
    return { allowed: false, remaining: 0, resetSeconds: seconds(waitMs) };
  }
}

/** Whole seconds, rounded up, as `Retry-After` and `Ratelimit`'s `t` carry them; never 0 while waiting. */
const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
