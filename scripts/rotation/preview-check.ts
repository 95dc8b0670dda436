import type { PlannedChange } from "#infra/stack-driver.ts";
import { WORKERS_SCRIPT } from "#infra/type-tokens.ts";
import type { KindRotation, StepName } from "./kinds.ts";

/** The step a resumed rotation left in flight: its own changes may be pending, nothing else may. */
export interface InFlight {
  rotation: KindRotation;
  step: StepName;
}

/**
 * The upload after a deploy that carried Durable Object migrations sends none (they are applied;
 * infra/worker-migrations.ts): the same code and bindings again, so nothing anyone has to review.
 */
const settlesMigrations = (c: PlannedChange) =>
  c.type === WORKERS_SCRIPT && c.op === "update" && c.diffs?.length === 1 && c.diffs[0] === "migrations";

/**
 * Pending changes a rotation must not ship: all of them on a fresh start, and on a resume those
 * the interrupted step could not have caused.
 */
export function unrelatedChanges(changes: PlannedChange[], inFlight: InFlight[] = []): PlannedChange[] {
  return changes.filter(
    (c) => !settlesMigrations(c) && !inFlight.some(({ rotation, step }) => rotation.allows(step, c)),
  );
}

/** e.g. `update WorkersScript realtime-worker (content, bindings)`. */
export function describeChange(change: PlannedChange): string {
  const type = change.type.split(":").pop();
  const diffs = change.diffs?.length ? ` (${change.diffs.join(", ")})` : "";
  return `${change.op} ${type} ${change.name}${diffs}`;
}
