import { DurableObject } from "cloudflare:workers";

export interface Budget {
  /** `tenant`, or `user:<id>`: user ids share the id pattern, so they never collide with it. */
  key: string;
  perMinute: number;
}

export type TakeResult = { allowed: true } | { allowed: false; key: string; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  capacity: number;
  updatedAt: number;
}

const MINUTE_MS = 60_000;
/** Beyond this many buckets, full ones are dropped: a full bucket is what a new one would be. */
const PRUNE_ABOVE = 1_000;

/**
 * Token buckets for credential minting, one object per tenant: the tenant's bucket and one per
 * user. A bucket refills completely within a minute, so one that was idle long enough for the
 * object to be evicted was full anyway, and memory is all the state it needs.
 */
export class TenantBudget extends DurableObject<unknown> {
  private readonly buckets = new Map<string, Bucket>();

  /** Takes one token from every budget, or from none when any of them is empty. */
  take(budgets: Budget[], nowMs: number = Date.now()): TakeResult {
    const filled = budgets.map((budget) => ({ budget, bucket: this.refill(budget, nowMs) }));
    const empty = filled.find(({ bucket }) => bucket.tokens < 1);
    if (empty) {
      const msPerToken = MINUTE_MS / empty.budget.perMinute;
      const retryAfterSeconds = Math.max(1, Math.ceil(((1 - empty.bucket.tokens) * msPerToken) / 1000));
      return { allowed: false, key: empty.budget.key, retryAfterSeconds };
    }
    for (const { bucket } of filled) bucket.tokens -= 1;
    if (this.buckets.size > PRUNE_ABOVE) this.prune(nowMs);
    return { allowed: true };
  }

  private refill(budget: Budget, nowMs: number): Bucket {
    const bucket = this.buckets.get(budget.key) ?? {
      tokens: budget.perMinute,
      capacity: budget.perMinute,
      updatedAt: nowMs,
    };
    const elapsed = Math.max(0, nowMs - bucket.updatedAt);
    // A lowered limit takes effect at once; a raised one fills up at its new rate.
    bucket.capacity = budget.perMinute;
    bucket.tokens = Math.min(budget.perMinute, bucket.tokens + (elapsed * budget.perMinute) / MINUTE_MS);
    bucket.updatedAt = nowMs;
    this.buckets.set(budget.key, bucket);
    return bucket;
  }

  private prune(nowMs: number): void {
    for (const [key, bucket] of this.buckets) {
      const tokens = bucket.tokens + ((nowMs - bucket.updatedAt) * bucket.capacity) / MINUTE_MS;
      if (tokens >= bucket.capacity) this.buckets.delete(key);
    }
  }
}
