import * as z from "zod/mini";
import { WORKERS_PLANS } from "../cloudflare/workers-plan.ts";
import { PLAIN_BINDINGS, SCRIPT_CONFIG, SECRET_BINDINGS } from "../worker/bindings.ts";

/** `default`: an optional binding that is absent, so the Worker uses Cloudflare's own value. */
export const bindingCheck = z.enum(["ok", "default", "missing", "malformed"]);
export type BindingCheck = z.infer<typeof bindingCheck>;

const BINDING_NAMES = [...PLAIN_BINDINGS, ...SECRET_BINDINGS, ...SCRIPT_CONFIG] as const;

/** How current the Worker keeps channel status at the stack's present scale. */
export const refreshReport = z.object({
  plan: z.enum(WORKERS_PLANS),
  /** Every tenant channel's live input and the probe input. */
  live_inputs: z.int(),
  liveness_max_age_seconds: z
    .number()
    .check(
      z.describe(
        "Whether a live input is live is checked on Stream's delivery host (its lifecycle endpoint, which " +
          "costs no API call) when a status is asked for and the held one is older than this; notifications, " +
          "where the account has them, bring changes sooner",
      ),
    ),
  api_sweep: z
    .object({
      /** The sweep's share of the Worker's Cloudflare API budget. */
      per_5_minutes: z.int(),
      /** Live inputs read from the API by each run of the once-a-minute cron. */
      reads_per_run: z.int(),
      cycle_seconds: z.number(),
    })
    .check(
      z.describe(
        "The status sweep re-reads every live input from the Cloudflare API (for `enabled` and the ingest " +
          "details a stale connect answers with) once per cycle: cycle_seconds grows with the number of live " +
          "inputs once the sweep's share of the API budget is the limit",
      ),
    ),
});
export type RefreshReport = z.infer<typeof refreshReport>;

/** `GET /healthz`: whether each binding (and the tenant map the script carries) is usable, never its value. */
export const healthzData = z.object({
  ok: z.boolean(),
  version: z.string(),
  stack: z.string(),
  checks: z.object(
    Object.fromEntries(BINDING_NAMES.map((name) => [name, bindingCheck])) as Record<
      (typeof BINDING_NAMES)[number],
      typeof bindingCheck
    >,
  ),
  /** Null while the configuration it is worked out from is unusable. */
  refresh: z.nullable(refreshReport),
});
export type HealthzData = z.infer<typeof healthzData>;
