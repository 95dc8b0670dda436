import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import * as z from "zod";
import { SLOTS } from "#infra/config.ts";
import { ROTATION_KINDS, type RotationKind, STEP_NAMES, type StepName } from "./kinds.ts";

const stepName = z.enum(STEP_NAMES);
const generation = z.int().min(1);
const kindState = z.union([
  z.object({ active: z.enum(SLOTS), generations: z.object({ a: generation, b: generation }) }),
  z.object({ generation }),
]);

const kindRun = z.object({
  kind: z.enum(ROTATION_KINDS),
  /** The kind's state before this rotation: every step's config is derived from it. */
  from: kindState,
  /** Steps applied and recorded, in order. */
  done: z.array(stepName),
  /** The step begun and not yet recorded as done: a re-run redoes it (each step is idempotent). */
  current: stepName.optional(),
  /** `abandoned`: dropped unfinished with its emergency (abandon.ts); never resumed. */
  status: z.enum(["in-progress", "done", "rolled-back", "abandoned"]),
  /** Begun by `rotate --emergency`: its steps end with `revoke`, and a re-run finishes them so. */
  emergency: z.boolean().optional(),
  error: z.string().optional(),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime().optional(),
});
export type KindRun = z.infer<typeof kindRun>;

/**
 * A slot switched away from whose credential must outlive the switch: a playback key keeps
 * playing every token it signed until `dueAt`, and is not regenerated (deleted) before.
 */
const retirement = z.object({
  kind: z.enum(ROTATION_KINDS),
  slot: z.enum(SLOTS),
  generation,
  dueAt: z.iso.datetime(),
});
export type Retirement = z.infer<typeof retirement>;

const journalSchema = z.object({
  version: z.literal(1),
  stack: z.string(),
  period: z.string(),
  runs: z.array(kindRun),
  /** Kept across periods, unlike the runs. */
  retirements: z.array(retirement).optional(),
});
export type JournalData = z.infer<typeof journalSchema>;

/**
 * What a rotation has done so far, written before and after every step (through a temporary file
 * and a rename), so that an interrupted run can be finished by the next one. It holds slot names
 * and generation numbers, never a credential.
 */
export class Journal {
  private constructor(
    readonly file: string,
    public data: JournalData,
  ) {}

  static fileFor(stateDir: string, stack: string): string {
    return join(stateDir, `${stack}.rotation.json`);
  }

  /** The journal on disk, or an empty one for `period`. A journal that does not parse is not guessed at. */
  static load(file: string, stack: string, period: string): Journal {
    if (!existsSync(file)) return new Journal(file, { version: 1, stack, period, runs: [] });
    const parsed = journalSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
    if (!parsed.success) {
      throw new Error(`the rotation journal ${file} is not readable: ${z.prettifyError(parsed.error)}`);
    }
    if (parsed.data.stack !== stack) {
      throw new Error(`the rotation journal ${file} belongs to stack ${parsed.data.stack}, not ${stack}`);
    }
    return new Journal(file, parsed.data);
  }

  run(kind: RotationKind): KindRun | undefined {
    return this.data.runs.find((r) => r.kind === kind);
  }

  /** Runs an earlier invocation left unfinished, whatever their period. */
  unfinished(): KindRun[] {
    return this.data.runs.filter((r) => r.status === "in-progress");
  }

  /**
   * Moves to `period` (in memory; saved with the next step). A rotation an earlier period left
   * unfinished comes along: it is finished now, and counts for this period.
   */
  startPeriod(period: string): void {
    if (this.data.period !== period) this.data = { ...this.data, period, runs: this.unfinished() };
  }

  /** The retirement recorded for a slot's generation, if any. */
  retirement(kind: RotationKind, slot: Retirement["slot"], generation: number): Retirement | undefined {
    return this.data.retirements?.find(
      (r) => r.kind === kind && r.slot === slot && r.generation === generation,
    );
  }

  /** Records (or, with `dueAt` undefined, clears) when a slot's generation may be regenerated. */
  setRetirement(entry: Omit<Retirement, "dueAt"> & { dueAt?: string }): void {
    const others = (this.data.retirements ?? []).filter(
      (r) => !(r.kind === entry.kind && r.slot === entry.slot && r.generation === entry.generation),
    );
    this.data.retirements = entry.dueAt ? [...others, { ...entry, dueAt: entry.dueAt }] : others;
    this.save();
  }

  begin(run: KindRun): KindRun {
    this.data.runs = [...this.data.runs.filter((r) => r.kind !== run.kind), run];
    this.save();
    return run;
  }

  update(kind: RotationKind, change: Partial<KindRun>): KindRun {
    const run = this.run(kind);
    if (!run) throw new Error(`no ${kind} rotation in the journal`);
    Object.assign(run, change);
    if (change.current === undefined && "current" in change) delete run.current;
    this.save();
    return run;
  }

  stepDone(kind: RotationKind, step: StepName): KindRun {
    const run = this.run(kind)!;
    return this.update(kind, { done: [...run.done, step], current: undefined });
  }

  save(): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(this.data, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}
