import type { WorkersPlan } from "#contracts/cloudflare/workers-plan.ts";
import { type SweepPlan, sweepPlan, sweepSlice } from "#contracts/worker/status-sweep.ts";
import type { TenantMap } from "#contracts/worker/tenant-map.ts";
import { configReport, isUsable, NEEDS, requireConfig } from "./config.ts";
import { channelStatusOf } from "./durable/channel-status.ts";
import type { WorkerBindings } from "./env.ts";
import { logLine } from "./log.ts";
import { liveInputsOf, REFRESH_CALLER, refreshSharesOf } from "./tenants.ts";

/** The sweep at this stack's scale: every live input (the tenants', then the probe's), and the plan it follows. */
export interface StatusSweep {
  inputs: string[];
  plan: SweepPlan;
}

const sweeps = new WeakMap<TenantMap, Map<string, StatusSweep>>();

/** Worked out once per isolate (the map and bindings do not change within one), not per run or /healthz. */
export function statusSweepOf(map: TenantMap, probeLiveInputId: string, plan: WorkersPlan): StatusSweep {
  const byBindings = sweeps.get(map) ?? new Map<string, StatusSweep>();
  sweeps.set(map, byBindings);
  const key = `${probeLiveInputId}/${plan}`;
  let sweep = byBindings.get(key);
  if (!sweep) {
    const inputs = probeLiveInputId ? [...liveInputsOf(map), probeLiveInputId] : liveInputsOf(map);
    sweep = { inputs, plan: sweepPlan(inputs.length, refreshSharesOf(map).cloudflareApiPer5Minutes, plan) };
    byBindings.set(key, sweep);
  }
  return sweep;
}

/** What one run did: reads made, refused for want of budget, failed upstream. */
export type SweepRun = Record<"read" | "refused" | "failed", number>;

/**
 * The cron trigger's work, the status sweep: the next slice of live inputs (contracts/worker/
 * status-sweep.ts) is read from the API by each one's channel status object, paid from the sweep's own
 * share of the budget, so that `enabled` and the ingest details a stale connect answers with keep
 * up with Cloudflare. Liveness needs no sweep: every status is checked on the delivery host when
 * asked for, and notifications, where the account has them, bring changes at once.
 */
export async function refreshChannels(
  env: WorkerBindings,
  scheduledTime: number,
): Promise<SweepRun | undefined> {
  if (!NEEDS.sweep.every((name) => isUsable(configReport(env).checks[name]))) return undefined;
  const { TENANTS, PROBE_LIVE_INPUT_ID, WORKERS_PLAN, STREAM_API_TOKEN } = requireConfig(env, NEEDS.sweep);
  const { inputs, plan } = statusSweepOf(TENANTS, PROBE_LIVE_INPUT_ID, WORKERS_PLAN);
  const run = await sweepLiveInputs(env, sweepSlice(inputs, plan, scheduledTime), STREAM_API_TOKEN);
  logLine(env, { event: "status_sweep", ...run, live_inputs: inputs.length, cycle_s: plan.cycleMs / 1000 });
  return run;
}

/** One run's reads: each live input's channel status object reads it, paid from the sweep's share. */
export async function sweepLiveInputs(
  env: WorkerBindings,
  liveInputIds: string[],
  apiToken: string,
): Promise<SweepRun> {
  const caller = { tenantId: REFRESH_CALLER, apiToken };
  const outcomes = await Promise.all(
    liveInputIds.map((id) =>
      channelStatusOf(env, id)
        .sweep(id, caller)
        .catch(() => "failed" as const),
    ),
  );
  const run: SweepRun = { read: 0, refused: 0, failed: 0 };
  for (const outcome of outcomes) run[outcome] += 1;
  return run;
}
