import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { StackDriver } from "#infra/stack-driver.ts";
import { CouldNotRun } from "../lib/cli.ts";
import {
  type EmergencyKind,
  type EmergencyOptions,
  type EmergencyReport,
  openEmergency,
  saveEmergency,
  verifyStack,
} from "./emergency.ts";
import { Journal, type KindRun } from "./journal.ts";
import { APPLIES, kindRotation, STREAM_KEYS, type StepName } from "./kinds.ts";
import { describeChange } from "./preview-check.ts";

/** What one kind of the abandoned emergency had reached. Steps and slots only, never a credential. */
export interface AbandonedKind {
  kind: EmergencyKind;
  /** `abandoned`: begun and left unfinished now; `not-begun`: the emergency never reached it. */
  state: "rotated" | "rolled-back" | "abandoned" | "not-begun";
  done: StepName[];
  /** The step begun and not recorded as done, which may have changed the config without an apply. */
  cutShort?: StepName;
  /**
   * Whether the credential from before the emergency still works: nothing replaced it, or its
   * fallback was not revoked. `maybe` when the step that replaces it was cut short.
   */
  oldStillWorks: boolean | "maybe";
}

export interface AbandonReport {
  stack: string;
  id: string;
  startedAt: string;
  abandonedAt: string;
  kinds: AbandonedKind[];
  /** Changes the stack's config holds that no apply has shipped (a step cut short mid-apply). */
  pending: string[];
  verification: NonNullable<EmergencyReport["verification"]>;
  actions: string[];
  ok: boolean;
  durationMs: number;
}

export type AbandonOptions = Pick<
  EmergencyOptions,
  "timeoutMs" | "probes" | "probeTimeoutMs" | "progress" | "signal" | "now"
>;

/** The JSON report of an abandon, beside the journals. */
export const abandonReportFile = (stateDir: string, stack: string, id: string) =>
  join(stateDir, `${stack}.${id}.abandoned.json`);

/**
 * `rotate --abandon-emergency`: drops the unfinished emergency an operator decided is moot, or whose
 * journal is stuck on a step that cannot succeed. It applies nothing, since the apply may be what
 * cannot succeed: what was switched stays as it is, and each kind's run still in progress is marked
 * abandoned, so that no later run resumes it and the next rotation of that kind begins afresh from the
 * config. Every step's apply leaves credentials that exist (a new slot is regenerated before the Worker
 * moves to it, and a fallback is only revoked after the new slot verified), so the stack is left
 * working unless a switch was never verified: smoke and the probes run to say so. A step cut short
 * between writing its config and applying it leaves that change pending, which the report names.
 */
export async function abandonEmergency(driver: StackDriver, options: AbandonOptions): Promise<AbandonReport> {
  const started = performance.now();
  const now = options.now ?? (() => new Date());
  const emergency = openEmergency(driver);
  if (!emergency)
    throw new CouldNotRun(
      `${driver.stack} has no unfinished emergency to abandon (none was begun, or the last one finished or was abandoned already)`,
    );
  const journal = Journal.load(Journal.fileFor(driver.stateDir, driver.stack), driver.stack, emergency.id);
  const kinds = emergency.only.map((kind) =>
    kindState(kind, emergency, kind === STREAM_KEYS ? undefined : journal.run(kind)),
  );
  const abandonedAt = now().toISOString();
  for (const k of kinds) {
    if (k.kind === STREAM_KEYS || k.state !== "abandoned") continue;
    journal.update(k.kind, {
      status: "abandoned",
      error: `abandoned with ${emergency.id}${k.cutShort ? ` while ${k.cutShort} was unfinished` : ""}`,
      finishedAt: abandonedAt,
    });
  }
  saveEmergency(driver, {
    ...emergency,
    abandonedAt,
    abandoned: kinds.filter((k) => k.state === "abandoned" || k.state === "not-begun").map((k) => k.kind),
  });
  options.progress.note(`Abandoned ${emergency.id}; checking the stack as it is now.`);
  const pending = (await driver.preview()).map(describeChange);
  const verification = await verifyStack(driver, options);
  const ok = verification.passed && pending.length === 0;
  return {
    stack: driver.stack,
    id: emergency.id,
    startedAt: emergency.startedAt,
    abandonedAt,
    kinds,
    pending,
    verification,
    actions: actionsFor(kinds, pending, verification.passed),
    ok,
    durationMs: Math.round(performance.now() - started),
  };
}

/** Where one kind of the emergency stands, from the emergency's journal and the rotation journal. */
function kindState(
  kind: EmergencyKind,
  emergency: { id: string; streamKeysDone: boolean },
  run: KindRun | undefined,
): AbandonedKind {
  if (kind === STREAM_KEYS) {
    const done = emergency.streamKeysDone;
    return { kind, state: done ? "rotated" : "abandoned", done: [], oldStillWorks: !done };
  }
  // Only this emergency's run counts: the rotation journal moves to a period's runs when one starts.
  const ours = run?.emergency ? run : undefined;
  const done = ours?.done ?? [];
  const replacing = kindRotation(kind).emergencySteps.at(-1) === "verify" ? "roll" : "revoke";
  const oldStillWorks = !done.includes(replacing);
  if (!ours) return { kind, state: "not-begun", done: [], oldStillWorks: true };
  if (ours.status === "in-progress" && ours.current)
    return {
      kind,
      state: "abandoned",
      done,
      cutShort: ours.current,
      oldStillWorks: ours.current === replacing ? "maybe" : oldStillWorks,
    };
  if (ours.status === "in-progress") return { kind, state: "abandoned", done, oldStillWorks };
  return { kind, state: ours.status === "done" ? "rotated" : "rolled-back", done, oldStillWorks };
}

function actionsFor(kinds: AbandonedKind[], pending: string[], verified: boolean): string[] {
  const actions: string[] = [];
  const leaked = kinds.filter((k) => k.oldStillWorks !== false).map((k) => k.kind);
  if (leaked.length > 0)
    actions.push(
      `Operators: the credentials from before the emergency still work (or may) for ${leaked.join(", ")}. If they leaked, replace them with a new emergency (\`npm run rotate -- <stack flags> --emergency --only ${leaked.join(",")}\`).`,
    );
  // The roll stores the new value in the stack's config before CI's copy: cut short, CI may hold the dead one.
  if (kinds.some((k) => k.kind === "deploy-token" && k.cutShort === "roll"))
    actions.push(
      "Operators: the deploy token's roll was cut short. The stack's config holds the live value if the roll happened; CI's copy may be the old, dead one: store the stack's value in CI.",
    );
  if (kinds.some((k) => k.kind === STREAM_KEYS && k.state === "abandoned"))
    actions.push(
      "Operators: some channels' stream keys may not have been rotated. `npm run rotate -- <stack flags> --only stream-keys --all` continues that run (no key rotated twice); `--restart` drops it instead.",
    );
  const cutShort = kinds.filter((k) => k.cutShort && APPLIES.has(k.cutShort));
  if (pending.length > 0)
    actions.push(
      `Operators: the stack's config holds changes no apply has shipped${cutShort.length > 0 ? ` (${cutShort.map((k) => `${k.kind} ${k.cutShort}`).join(", ")} was cut short)` : ""}: ${pending.join("; ")}. Apply them (\`npm run deploy\`) once what made the step fail is fixed, or set the config back; a rotation refuses to run while they are pending.`,
    );
  if (!verified)
    actions.push(
      "Operators: the stack as it is now FAILS smoke or a probe (see verification). A switch the emergency never verified may be the cause: fix it, then check with `npm run smoke`.",
    );
  return actions;
}

/** Writes the report (no secrets: kinds, steps, check names) beside the journals. */
export function writeAbandonReport(file: string, report: AbandonReport): void {
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`, { mode: 0o600 });
}
