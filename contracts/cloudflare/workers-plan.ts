/** The account's Workers plan, which sets how much one invocation of the Worker may do. */
export const WORKERS_PLANS = ["paid", "free"] as const;
export type WorkersPlan = (typeof WORKERS_PLANS)[number];

/**
 * Subrequests one invocation may make: 50 on Workers Free, 10,000 on Workers Paid
 * (developers.cloudflare.com/workers/platform/limits/, "Subrequests"). A call to a Durable Object
 * counts as one for the caller; the object's own invocation is a request of its own, under the
 * same Workers limits (developers.cloudflare.com/durable-objects/platform/limits/), so what it
 * fetches counts against its own allowance, not the caller's.
 */
export const SUBREQUESTS_PER_INVOCATION: Record<WorkersPlan, number> = { free: 50, paid: 10_000 };
