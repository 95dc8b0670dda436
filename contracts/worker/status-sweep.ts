import { SUBREQUESTS_PER_INVOCATION, type WorkersPlan } from "../cloudflare/workers-plan.ts";

/** The status sweep runs once a minute: the Worker's cron trigger (infra/worker-settings.ts). */
export const SWEEP_INTERVAL_MS = 60_000;

const FIVE_MINUTES_MS = 5 * 60_000;

/**
 * Subrequests a run leaves unused of the plan's allowance. Each read is one call to the input's
 * channel status object, a subrequest of the run; what the object fetches counts against its own
 * invocation (contracts/cloudflare/workers-plan.ts).
 */
export const SWEEP_SUBREQUEST_HEADROOM = 5;

/** How the sweep covers the live inputs, at this scale, on this plan, with this share of the API budget. */
export interface SweepPlan {
  liveInputs: number;
  /** Live inputs read from the API per run: one call to each one's channel status object. */
  readsPerRun: number;
  /** Runs until every live input has been read once. */
  runsPerCycle: number;
  /** How long that takes. */
  cycleMs: number;
}

/**
 * Each run reads as many live inputs as the sweep's share allows per minute, and no more than the
 * plan lets one invocation call; the next run takes the next ones, so the whole list is read once
 * per cycle, however long it is.
 */
export function sweepPlan(liveInputs: number, refreshPer5Minutes: number, plan: WorkersPlan): SweepPlan {
  const perRun = Math.floor((refreshPer5Minutes * SWEEP_INTERVAL_MS) / FIVE_MINUTES_MS);
  const readsPerRun = Math.min(
    perRun,
    SUBREQUESTS_PER_INVOCATION[plan] - SWEEP_SUBREQUEST_HEADROOM,
    liveInputs,
  );
  const runsPerCycle = readsPerRun > 0 ? Math.ceil(liveInputs / readsPerRun) : 0;
  return { liveInputs, readsPerRun, runsPerCycle, cycleMs: runsPerCycle * SWEEP_INTERVAL_MS };
}

/** The live inputs the run scheduled at `scheduledTime` reads: the plan's next slice of the list. */
export function sweepSlice<T>(inputs: readonly T[], plan: SweepPlan, scheduledTime: number): T[] {
  if (plan.runsPerCycle === 0) return [];
  const run = Math.floor(scheduledTime / SWEEP_INTERVAL_MS) % plan.runsPerCycle;
  return inputs.slice(run * plan.readsPerRun, (run + 1) * plan.readsPerRun);
}
