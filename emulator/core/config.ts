import { WORKERS_PLANS, type WorkersPlan } from "#contracts/cloudflare/workers-plan.ts";

/** The live-input `status` shape the emulator answers with (docs/reference/cloudflare-api.md §1.4): both exist in the wild. */
export type StatusShape = "string" | "object";

/**
 * The Workers plan whose limits apply: environment variables per Worker, cron triggers per account,
 * and, in the local Worker runner, subrequests per invocation (docs/limits.md). Paid by default, as
 * the stack is built for it; `free` shows which limit a Free account hits first.
 */
export type Plan = WorkersPlan;

export const PLANS: readonly Plan[] = WORKERS_PLANS;

/** Settings that tests and the local engine change at run time (`PATCH /__emulator/config`). */
export interface EmulatorConfig {
  statusShape: StatusShape;
  plan: Plan;
  /** Largest request body accepted, in bytes. */
  bodyLimit: number;
  rateLimit: { requests: number; windowSeconds: number };
  /** Where TURN credentials point, e.g. a local coturn. */
  turnServer: { host: string; port: number };
}

export const DEFAULT_CONFIG: EmulatorConfig = {
  statusShape: "string",
  plan: "paid",
  bodyLimit: 1024 * 1024,
  // Cloudflare's per-token budget: 1,200 requests per 5 minutes
  // (developers.cloudflare.com/fundamentals/api/reference/limits/, docs/reference/cloudflare-api.md §8).
  rateLimit: { requests: 1200, windowSeconds: 300 },
  turnServer: { host: "127.0.0.1", port: 3478 },
};
