import { randomBytes } from "node:crypto";
import { SIGNED_URL_MAX_TTL_SECONDS } from "#contracts/cloudflare/stream-keys.ts";
import { messageOf } from "#infra/api/error-message.ts";
import type { SlottedRotation } from "#infra/config.ts";
import type { StackDriver } from "#infra/stack-driver.ts";
import type { Progress } from "../lib/progress.ts";
import { Journal, type KindRun } from "./journal.ts";
import {
  APPLIES,
  type KindRotation,
  type KindState,
  kindRotation,
  ROTATION_KINDS,
  type RotationKind,
  type StepContext,
  type StepName,
} from "./kinds.ts";
import { describeChange, type InFlight, unrelatedChanges } from "./preview-check.ts";
import type { Verifier } from "./verify.ts";

export interface Checkpoint {
  kind: RotationKind;
  step: StepName;
  /**
   * `begun`: recorded as in flight, nothing changed yet; `configured`: its config written, not yet
   * applied; `applied`: done, not yet recorded as done.
   */
  phase: "begun" | "configured" | "applied";
}

export interface RotateOptions {
  kinds: readonly RotationKind[];
  period: string;
  dryRun: boolean;
  /** Rotate again a kind already rotated in this period. */
  force: boolean;
  verify: Verifier;
  progress: Progress;
  /** The clock retirements are checked against (tests move it instead of waiting). */
  now?: () => number;
  /** Called at every point where an interruption could happen (tests interrupt here). */
  checkpoint?: (point: Checkpoint) => void | Promise<void>;
  /**
   * Every selected kind's emergency steps: once the new credential works, the one the Worker kept
   * as the fallback is replaced too, and playback keys are not kept for their tokens' lifetime.
   */
  emergency?: boolean;
  /** What steps need besides the stack (CI's copy of the deploy token). */
  context?: StepContext;
}

export type KindOutcome = "rotated" | "planned" | "skipped" | "rolled-back" | "failed" | "not-run";

export interface KindReport {
  kind: RotationKind;
  outcome: KindOutcome;
  /** e.g. "slot a (g1) → slot b (g2)". */
  change?: string;
  resumed: boolean;
  durationMs: number;
  error?: string;
}

export interface RotationReport {
  stack: string;
  period: string;
  dryRun: boolean;
  /** Pending changes that are not the rotation's: the rotation refused to run. */
  refused?: string[];
  kinds: KindReport[];
  ok: boolean;
  durationMs: number;
}

interface PlanItem {
  rotation: KindRotation;
  from: KindState;
  /** The unfinished run this item resumes. */
  run?: KindRun;
  /** Whether its steps are the emergency ones (a resumed run keeps those it began with, or takes them in an emergency). */
  emergency: boolean;
}

const stepsOf = (item: PlanItem) => (item.emergency ? item.rotation.emergencySteps : item.rotation.steps);

/** The new credential did not pass: the one case that switches back rather than stopping. */
class VerificationFailed extends Error {}

const rowName = (kind: RotationKind, step: StepName) => `${kind} ${step}`;

/**
 * Two-slot rotation (docs/spec.md §7), one kind at a time: regenerate the inactive slot, switch the
 * Worker to it, verify; on a failed verification switch back. Every step is recorded in the journal
 * before and after it runs, and each step's config derives from the kind's state before the
 * rotation, so that a re-run redoes an interrupted step instead of guessing.
 */
export async function rotate(driver: StackDriver, options: RotateOptions): Promise<RotationReport> {
  const started = performance.now();
  const { progress } = options;
  const journal = Journal.load(Journal.fileFor(driver.stateDir, driver.stack), driver.stack, options.period);
  journal.startPeriod(options.period);
  const config = await driver.rotation();

  const items: PlanItem[] = [];
  const reports = new Map<RotationKind, KindReport>();
  for (const { kind, run, does } of selection(journal, options.kinds, options.force)) {
    const rotation = kindRotation(kind);
    if (does === "resume") {
      // An emergency that finds a scheduled run paused finishes it with the revocation too.
      const emergency = (run.emergency ?? false) || (options.emergency ?? false);
      items.push({ rotation, from: run.from, run, emergency });
    } else if (does === "skip") {
      reports.set(kind, { kind, outcome: "skipped", resumed: false, durationMs: 0 });
      progress.set({
        name: kind,
        status: "skipped",
        attempts: 0,
        detail: `rotated already in ${options.period}`,
      });
    } else {
      items.push({ rotation, from: rotation.stateOf(config), emergency: options.emergency ?? false });
    }
  }
  const report = (ok: boolean, extra: Partial<RotationReport> = {}): RotationReport => ({
    stack: driver.stack,
    period: options.period,
    dryRun: options.dryRun,
    kinds: ROTATION_KINDS.flatMap((k) => reports.get(k) ?? []),
    ok,
    durationMs: Math.round(performance.now() - started),
    ...extra,
  });
  if (items.length === 0) return report(true);

  for (const item of items) {
    const steps = nextSteps(item);
    for (const step of stepsOf(item)) {
      const done = item.run?.done.includes(step);
      progress.set({
        name: rowName(item.rotation.kind, step),
        status: done ? "passed" : "pending",
        attempts: 0,
      });
    }
    if (steps.includes("rollback"))
      progress.set({ name: rowName(item.rotation.kind, "rollback"), status: "pending", attempts: 0 });
  }

  const refused = await checkPending(driver, items, progress);
  if (refused.length > 0) return report(false, { refused });

  if (options.dryRun) {
    for (const item of items) {
      const { rotation } = item;
      reports.set(rotation.kind, {
        kind: rotation.kind,
        outcome: "planned",
        change: describe(item),
        resumed: Boolean(item.run),
        durationMs: 0,
      });
    }
    return report(true);
  }

  let ok = true;
  for (const item of items) {
    const kindReport: KindReport = ok
      ? await rotateKind(driver, journal, item, options)
      : { kind: item.rotation.kind, outcome: "not-run" as const, resumed: Boolean(item.run), durationMs: 0 };
    reports.set(item.rotation.kind, kindReport);
    // A kind whose old slot is still retiring is not due: nothing failed.
    ok &&= kindReport.outcome === "rotated" || kindReport.outcome === "skipped";
  }
  return report(ok);
}

type Selected =
  | { kind: RotationKind; does: "resume"; run: KindRun }
  | { kind: RotationKind; does: "skip" | "begin"; run?: KindRun };

/**
 * What a run asked for `kinds` does with each kind: an unfinished run is resumed whatever was asked
 * (it would block the kind otherwise), a kind rotated in this period is skipped unless forced, and
 * any other kind asked for begins.
 */
function selection(journal: Journal, kinds: readonly RotationKind[], force: boolean): Selected[] {
  return ROTATION_KINDS.flatMap((kind): Selected[] => {
    const run = journal.run(kind);
    if (run?.status === "in-progress") return [{ kind, does: "resume", run }];
    if (!kinds.includes(kind)) return [];
    return [{ kind, does: run?.status === "done" && !force ? "skip" : "begin", ...(run ? { run } : {}) }];
  });
}

/**
 * The kinds a rotation would rotate, read from the journal without changing it: what `rotate`
 * would resume or begin, so that a caller can tell beforehand whether the deploy token rolls.
 * Without a period (a new emergency's) no earlier run counts as done.
 */
export function plannedKinds(
  driver: Pick<StackDriver, "stateDir" | "stack">,
  request: { kinds: readonly RotationKind[]; period?: string; force: boolean },
): RotationKind[] {
  const file = Journal.fileFor(driver.stateDir, driver.stack);
  const journal = Journal.load(file, driver.stack, request.period ?? "");
  if (request.period) journal.startPeriod(request.period);
  else journal.data = { ...journal.data, runs: journal.unfinished() };
  return selection(journal, request.kinds, request.force)
    .filter((s) => s.does !== "skip")
    .map((s) => s.kind);
}

/** The steps an item still has to run, the rollback included when one was begun. */
function nextSteps(item: PlanItem): StepName[] {
  if (item.run?.current === "rollback") return ["rollback"];
  return stepsOf(item).filter((s) => !item.run?.done.includes(s));
}

/** The whole rotation of an item, its revocation included in an emergency. */
function describe(item: PlanItem): string {
  const { rotation, from } = item;
  const revokes = stepsOf(item).includes("revoke");
  return `${rotation.describe(from)}${revokes ? `, then ${rotation.describeStep(from, "revoke")}` : ""}`;
}

/** Before touching anything: a preview, and a refusal when something else is pending. */
async function checkPending(driver: StackDriver, items: PlanItem[], progress: Progress): Promise<string[]> {
  progress.set({ name: "preview", status: "running", attempts: 1, detail: "looking for pending changes" });
  const startedAt = performance.now();
  const inFlight: InFlight[] = items.flatMap((item) => {
    const next = item.run ? nextSteps(item)[0] : undefined;
    return next && APPLIES.has(next) ? [{ rotation: item.rotation, step: next }] : [];
  });
  const changes = await driver.preview();
  const unrelated = unrelatedChanges(changes, inFlight).map(describeChange);
  const durationMs = Math.round(performance.now() - startedAt);
  progress.set({
    name: "preview",
    status: unrelated.length > 0 ? "failed" : "passed",
    attempts: 1,
    durationMs,
    detail:
      unrelated.length > 0
        ? `pending changes that are not this rotation: ${unrelated.join("; ")}`
        : changes.length === 0
          ? "nothing pending"
          : `only changes this rotation may ship are pending (${changes.map(describeChange).join("; ")})`,
  });
  return unrelated;
}

async function rotateKind(
  driver: StackDriver,
  journal: Journal,
  item: PlanItem,
  options: RotateOptions,
): Promise<KindReport> {
  const started = performance.now();
  const { rotation, from } = item;
  const { kind } = rotation;
  const { progress } = options;
  const change = describe(item);
  const result = (outcome: KindOutcome, error?: string): KindReport => ({
    kind,
    outcome,
    change,
    resumed: Boolean(item.run),
    durationMs: Math.round(performance.now() - started),
    ...(error ? { error } : {}),
  });
  const now = options.now ?? Date.now;
  const retiring = rotation.retiresOldSlot ? retiringSlot(journal, kind, from as SlottedRotation) : undefined;
  if (
    retiring &&
    !item.emergency &&
    !item.run?.done.includes("regenerate") &&
    now() < Date.parse(retiring.dueAt)
  ) {
    const detail =
      `slot ${retiring.slot} (g${retiring.generation}) still signs tokens valid until ${retiring.dueAt}: ` +
      "its key is deleted by the first rotation after that";
    progress.set({ name: rowName(kind, "regenerate"), status: "skipped", attempts: 0, detail });
    return { ...result("skipped"), error: detail };
  }
  const run =
    item.run ??
    journal.begin({
      kind,
      from,
      done: [],
      status: "in-progress",
      startedAt: new Date().toISOString(),
      ...(item.emergency ? { emergency: true } : {}),
    });
  if (item.emergency && !run.emergency) journal.update(kind, { emergency: true });

  const step = async (name: StepName, detail: string, body: () => Promise<string>) => {
    const row = rowName(kind, name);
    const stepStarted = performance.now();
    // Recorded before it is announced: whatever is seen running is already in the journal.
    journal.update(kind, { current: name });
    progress.set({ name: row, status: "running", attempts: 1, detail });
    await options.checkpoint?.({ kind, step: name, phase: "begun" });
    try {
      const outcome = await body();
      await options.checkpoint?.({ kind, step: name, phase: "applied" });
      progress.set({
        name: row,
        status: "passed",
        attempts: 1,
        durationMs: performance.now() - stepStarted,
        detail: outcome,
      });
    } catch (e) {
      progress.set({
        name: row,
        status: "failed",
        attempts: 1,
        durationMs: performance.now() - stepStarted,
        detail: messageOf(e),
      });
      throw e;
    }
  };

  const apply = (name: StepName) => async () => {
    if (rotation.perform) return rotation.perform(name, from, driver, options.context ?? {});
    const target = rotation.target(from, name);
    // A new slot secret: 256 bits, written before the rotation state that puts it to use.
    const secretKey = rotation.freshSecret?.(from, name);
    if (secretKey) await driver.setSecret(secretKey, randomBytes(32).toString("base64url"));
    await driver.setRotation(rotation.withState(await driver.rotation(), target));
    await options.checkpoint?.({ kind, step: name, phase: "configured" });
    const { changes } = await driver.up();
    return changes.length > 0 ? changes.map(describeChange).join("; ") : "already applied";
  };

  const rollback = async (reason: string): Promise<KindReport> => {
    await step("rollback", rotation.describeStep(from, "rollback"), apply("rollback"));
    journal.update(kind, {
      done: [...run.done, "rollback"],
      current: undefined,
      status: "rolled-back",
      finishedAt: new Date().toISOString(),
    });
    const after = await options
      .verify(kind, driver)
      .catch((e: unknown) => ({ passed: false, error: messageOf(e) }));
    const afterNote = after.passed
      ? "the previous slot verifies again"
      : "the previous slot FAILS verification too";
    return result("rolled-back", `${reason}; rolled back, ${afterNote}`);
  };

  try {
    if (run.current === "rollback") return await rollback(run.error ?? "an earlier verification failed");
    for (const name of stepsOf(item)) {
      if (run.done.includes(name)) continue;
      if (name === "verify") {
        await step("verify", rotation.describeStep(from, "verify"), async () => {
          const outcome = await options.verify(kind, driver);
          const failed = outcome.checks.filter((c) => c.status === "failed");
          if (failed.length > 0) {
            throw new VerificationFailed(
              `verification failed: ${failed.map((c) => `${c.name}: ${c.error}`).join("; ")}`,
            );
          }
          return `${outcome.checks.length} checks passed`;
        });
      } else {
        await step(name, rotation.describeStep(from, name), apply(name));
      }
      if (rotation.retiresOldSlot)
        await recordRetirement(driver, journal, kind, from as SlottedRotation, name, now);
      journal.stepDone(kind, name);
    }
    journal.update(kind, { status: "done", finishedAt: new Date().toISOString() });
    return result("rotated");
  } catch (e) {
    const error = messageOf(e);
    if (e instanceof VerificationFailed && rotation.irreversible) {
      journal.update(kind, { error });
      return result("failed", `${error}; ${rotation.irreversible} (run rotate again to verify again)`);
    }
    if (e instanceof VerificationFailed) {
      journal.update(kind, { error, current: "rollback" });
      return await rollback(error).catch((rollbackError: unknown) =>
        result(
          "failed",
          `${error}; switching back failed too: ${messageOf(rollbackError)} (run rotate again to finish the rollback)`,
        ),
      );
    }
    journal.update(kind, { error });
    return result("failed", `${error} (run rotate again to finish this rotation)`);
  }
}

/** The retirement recorded for the slot a rotation from `from` would regenerate, if any. */
function retiringSlot(journal: Journal, kind: RotationKind, from: SlottedRotation) {
  const inactive = from.active === "a" ? "b" : "a";
  return journal.retirement(kind, inactive, from.generations[inactive]);
}

/**
 * A regenerate deleted the retired slot's key: its record goes. A switch moves the Worker off the
 * old slot, whose key keeps every token it signed playing for up to the longest TTL the Worker
 * grants (the stack output `playbackKeys.tokenTtlMax`; Cloudflare's 24 hours when unknown).
 */
async function recordRetirement(
  driver: StackDriver,
  journal: Journal,
  kind: RotationKind,
  from: SlottedRotation,
  step: StepName,
  now: () => number,
): Promise<void> {
  if (step === "regenerate") {
    const inactive = from.active === "a" ? "b" : "a";
    journal.setRetirement({ kind, slot: inactive, generation: from.generations[inactive] });
  }
  // An emergency deleted the key switched away from: the tokens it signed are refused, by design.
  if (step === "revoke") {
    journal.setRetirement({ kind, slot: from.active, generation: from.generations[from.active] });
  }
  if (step === "switch") {
    const ttl = (await driver.outputs()).playbackKeys?.tokenTtlMax ?? SIGNED_URL_MAX_TTL_SECONDS;
    journal.setRetirement({
      kind,
      slot: from.active,
      generation: from.generations[from.active],
      dueAt: new Date(now() + ttl * 1000).toISOString(),
    });
  }
}
