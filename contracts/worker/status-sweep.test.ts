import { describe, expect, it } from "vitest";
import { SUBREQUESTS_PER_INVOCATION } from "../cloudflare/workers-plan.ts";
import { SWEEP_INTERVAL_MS, SWEEP_SUBREQUEST_HEADROOM, sweepPlan, sweepSlice } from "./status-sweep.ts";

const ids = (n: number) => Array.from({ length: n }, (_, i) => `input-${i}`);

describe("the status sweep's plan", () => {
  it("reads what the share allows each minute, within the plan's subrequests, every input once a cycle", () => {
    // 3,001 live inputs with a share of 80 per 5 minutes (1,000 tenants on the default budget).
    const paid = sweepPlan(3_001, 80, "paid");
    expect(paid).toEqual({ liveInputs: 3_001, readsPerRun: 16, runsPerCycle: 188, cycleMs: 188 * 60_000 });
    // A share the Free plan's 50 subrequests cannot fan out in one run: capped there.
    const free = sweepPlan(3_001, 1_000, "free");
    expect(free.readsPerRun).toBe(SUBREQUESTS_PER_INVOCATION.free - SWEEP_SUBREQUEST_HEADROOM);
    expect(sweepPlan(3_001, 1_000, "paid").readsPerRun).toBe(200);
    // Never more reads than inputs, and nothing to do without any.
    expect(sweepPlan(3, 1_000, "paid")).toMatchObject({ readsPerRun: 3, runsPerCycle: 1 });
    expect(sweepPlan(0, 80, "paid")).toMatchObject({ readsPerRun: 0, runsPerCycle: 0, cycleMs: 0 });
  });

  it("hands consecutive runs consecutive slices, so that a cycle reads every input exactly once", () => {
    const inputs = ids(50);
    const plan = sweepPlan(inputs.length, 60, "paid");
    const start = 1_800_000_000_000;
    const read = Array.from({ length: plan.runsPerCycle }, (_, run) =>
      sweepSlice(inputs, plan, start + run * SWEEP_INTERVAL_MS),
    ).flat();
    expect(read.sort()).toEqual([...inputs].sort());
    expect(sweepSlice(ids(0), sweepPlan(0, 60, "paid"), start)).toEqual([]);
  });
});
