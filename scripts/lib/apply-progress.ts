import type { Step, StepOp } from "#local-engine/engine.ts";
import type { Progress } from "./progress.ts";

const ORDER: StepOp[] = ["create", "update", "replace", "delete", "same"];

/**
 * The local engine's steps as one progress row: on a terminal a live line with the count and the
 * latest change; in a pipe one line per resource created, updated, replaced or deleted (the ones
 * that stay the same only move the count). A thousand tenants are three thousand steps: one row
 * per step would be a wall, one line per change is a log.
 */
export function applyProgress(progress: Progress, name = "apply") {
  const started = performance.now();
  const tally = new Map<StepOp, number>();
  let latest: string | undefined;
  const count = () => ({ done: [...tally.values()].reduce((sum, n) => sum + n, 0) });
  return {
    onStep(step: Step): void {
      tally.set(step.op, (tally.get(step.op) ?? 0) + 1);
      if (step.op !== "same") latest = `${step.op} ${step.type.split(":").pop()} ${step.name}`;
      progress.set({
        name,
        status: "running",
        attempts: 1,
        count: count(),
        ...(latest ? { detail: latest } : {}),
      });
    },
    finished(failure?: string): void {
      const summary = ORDER.filter((op) => tally.has(op)).map((op) => `${tally.get(op)} ${op}`);
      progress.set({
        name,
        status: failure ? "failed" : "passed",
        attempts: 1,
        durationMs: performance.now() - started,
        count: count(),
        detail: failure ?? (summary.join(", ") || "nothing to do"),
      });
    },
  };
}
