import type { Plan } from "#emulator/core/config.ts";

/**
 * What one invocation of the Worker (a request, a cron event, a call into a Durable Object) may
 * spend on subrequests, and what it is told when it asks for one more.
 */
export interface InvocationLimits {
  /** One pool for fetch() and calls to Cloudflare services together, or undefined for two pools. */
  combined?: number;
  /** fetch() and Cache API calls, when the pools are separate. */
  external: number;
  /** Durable Object calls (and other Cloudflare services), when the pools are separate. */
  internal: number;
  messages: { external: string; internal: string };
}

/**
 * The text of the errors Cloudflare throws into the Worker. External: as a 2026 Worker logged it
 * ("Too many subrequests by single Worker invocation. To configure this limit, refer to …", quoted in
 * public test suites that match it); internal: the error Workers log when their Durable Object, KV
 * or D1 calls pass the limit ("Too many API requests by single Worker invocation.", the same sources
 * and Miniflare 2's `RequestContext`). Which of the two a Paid Worker sees for a Durable Object call
 * past its single pool is not documented: the first, since Paid counts them as subrequests.
 */
const MESSAGES = {
  external:
    "Too many subrequests by single Worker invocation. To configure this limit, refer to " +
    "https://developers.cloudflare.com/workers/platform/limits/",
  internal: "Too many API requests by single Worker invocation.",
};

/**
 * Subrequests per invocation: Workers Paid has 10,000 by default (configurable up to 10 million),
 * fetch() and Cloudflare services together; Workers Free keeps 50 external subrequests and 1,000 to
 * Cloudflare services (developers.cloudflare.com/workers/platform/limits/#subrequests and its
 * February 2026 changelog; a Durable Object stub call counts as a request to a Cloudflare service).
 */
export const INVOCATION_LIMITS: Record<Plan, InvocationLimits> = {
  paid: { combined: 10_000, external: 10_000, internal: 10_000, messages: MESSAGES },
  free: { external: 50, internal: 1_000, messages: MESSAGES },
};

/**
 * "Worker startup time: 1 second" on both plans: the time to parse the Worker and execute its global
 * scope (developers.cloudflare.com/workers/platform/limits/#worker-startup-time). Cloudflare checks it
 * when the Worker is uploaded; locally it is measured (worker-startup.ts) for benches to report.
 */
export const STARTUP_LIMIT_MS = 1000;
