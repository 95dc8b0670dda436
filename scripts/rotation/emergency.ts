import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import * as z from "zod";
import { messageOf } from "#infra/api/error-message.ts";
import type { StackDriver } from "#infra/stack-driver.ts";
import { CouldNotRun } from "../lib/cli.ts";
import type { Progress } from "../lib/progress.ts";
import type { ProbeSelection } from "../probes/plan.ts";
import { runSmoke, type SmokeReport } from "../smoke/run.ts";
import { targetOfStack } from "../smoke/target.ts";
import { ROTATION_KINDS, type RotationKind, STREAM_KEYS, type StepContext } from "./kinds.ts";
import { type KindReport, type RotationReport, rotate } from "./run.ts";
import { rotateStreamKeys } from "./stream-keys.ts";
import type { Verifier } from "./verify.ts";

/**
 * What an emergency rotates, in order: every scheduled kind, then every channel's stream keys
 * (which drops broadcasters), then the deploy token, whose roll every earlier apply needed.
 */
export const EMERGENCY_KINDS = [
  ...ROTATION_KINDS.filter((k) => k !== "deploy-token"),
  STREAM_KEYS,
  "deploy-token",
] as const;
export type EmergencyKind = (typeof EMERGENCY_KINDS)[number];

export interface EmergencyOptions {
  only: readonly EmergencyKind[];
  dryRun: boolean;
  verify: Verifier;
  /** Deadline of the final smoke checks. */
  timeoutMs: number;
  /** The probes the final verification runs beside smoke. */
  probes: ProbeSelection;
  probeTimeoutMs?: number;
  progress: Progress;
  context: StepContext;
  signal?: AbortSignal;
  /** The clock of the report's times (tests may move it). */
  now?: () => Date;
}

/** One kind's line in the report: what was rotated and when, never a credential. */
export interface EmergencyStep {
  kind: EmergencyKind;
  outcome: KindReport["outcome"] | "interrupted";
  change?: string;
  error?: string;
  resumed: boolean;
  durationMs: number;
}

export interface EmergencyReport {
  stack: string;
  /** The emergency's own rotation period, which its journal and a resumed run share. */
  id: string;
  startedAt: string;
  finishedAt: string;
  dryRun: boolean;
  resumed: boolean;
  /** Pending changes that are not the rotation's: nothing was rotated. */
  refused?: string[];
  steps: EmergencyStep[];
  /** Smoke and probes after the rotation (absent on a dry run or when a step failed). */
  verification?: {
    passed: boolean;
    durationMs: number;
    failed: string[];
    checks: number;
    probes: { name: string; status: string }[];
  };
  /** What each party must do now. */
  actions: string[];
  ok: boolean;
  durationMs: number;
}

/**
 * Which emergency this stack is in: written when one begins, marked finished once every step has
 * run (whatever the final verification says), so that an interrupted or failed run is continued
 * (same period, same kinds) by the next `--emergency`. Kinds and dates only.
 */
const emergencyJournal = z.object({
  version: z.literal(1),
  stack: z.string(),
  id: z.string(),
  startedAt: z.iso.datetime(),
  only: z.array(z.enum(EMERGENCY_KINDS)),
  streamKeysDone: z.boolean().default(false),
  finishedAt: z.iso.datetime().optional(),
  /** Dropped by `--abandon-emergency` before every step had run (abandon.ts), and the kinds left undone. */
  abandonedAt: z.iso.datetime().optional(),
  abandoned: z.array(z.enum(EMERGENCY_KINDS)).optional(),
});
export type EmergencyJournal = z.infer<typeof emergencyJournal>;

const emergencyJournalFile = (stateDir: string, stack: string) => join(stateDir, `${stack}.emergency.json`);

/** The JSON report's file beside the journals, named by the emergency. */
export const emergencyReportFile = (stateDir: string, stack: string, id: string) =>
  join(stateDir, `${stack}.${id}.report.json`);

/** The emergency command that continues `journal`: the kinds it was begun with. */
const continueCommand = (journal: EmergencyJournal) =>
  journal.only.length === EMERGENCY_KINDS.length
    ? "--emergency"
    : `--emergency --only ${journal.only.join(",")}`;

/**
 * The emergency begun on this stack and not finished, if any. One asked for with other kinds is
 * refused: continuing the old one would ignore them, and starting anew would leave the old one
 * half done (some fallback slots still working) with nothing left to say so.
 */
export function unfinishedEmergency(
  driver: Pick<StackDriver, "stateDir" | "stack">,
  only: readonly EmergencyKind[],
): EmergencyJournal | undefined {
  const journal = openEmergency(driver);
  if (!journal) return undefined;
  const same = journal.only.length === only.length && journal.only.every((k) => only.includes(k));
  if (!same)
    throw new CouldNotRun(
      `${journal.id} (begun ${journal.startedAt}, kinds ${journal.only.join(",")}) is not finished, and this run asks for ${only.join(",")}. ` +
        `Finish it first with \`npm run rotate -- <stack flags> ${continueCommand(journal)}\` (it continues where it stopped), then run this one, ` +
        "or drop it with `npm run rotate -- <stack flags> --abandon-emergency` if it is moot.",
    );
  return journal;
}

/** The emergency begun on this stack and neither finished nor abandoned, whatever its kinds. */
export function openEmergency(driver: Pick<StackDriver, "stateDir" | "stack">): EmergencyJournal | undefined {
  const file = emergencyJournalFile(driver.stateDir, driver.stack);
  if (!existsSync(file)) return undefined;
  const parsed = emergencyJournal.safeParse(JSON.parse(readFileSync(file, "utf8")));
  if (!parsed.success)
    throw new Error(`the emergency journal ${file} is not readable: ${z.prettifyError(parsed.error)}`);
  const journal = parsed.data;
  if (journal.stack !== driver.stack)
    throw new Error(`the emergency journal ${file} belongs to stack ${journal.stack}, not ${driver.stack}`);
  return journal.finishedAt || journal.abandonedAt ? undefined : journal;
}

/** Writes the emergency journal (kinds and dates only, mode 0600). */
export function saveEmergency(
  driver: Pick<StackDriver, "stateDir" | "stack">,
  journal: EmergencyJournal,
): void {
  const file = emergencyJournalFile(driver.stateDir, driver.stack);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(journal, null, 2), { mode: 0o600 });
}

function openJournal(
  driver: Pick<StackDriver, "stateDir" | "stack">,
  only: readonly EmergencyKind[],
  now: Date,
): { journal: EmergencyJournal; resumed: boolean } {
  const unfinished = unfinishedEmergency(driver, only);
  if (unfinished) return { journal: unfinished, resumed: true };
  const startedAt = now.toISOString();
  const id = `emergency-${startedAt.replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}`;
  return {
    journal: { version: 1, stack: driver.stack, id, startedAt, only: [...only], streamKeysDone: false },
    resumed: false,
  };
}

/**
 * `rotate --emergency`: every selected credential replaced now, with no grace. Each scheduled kind
 * runs its emergency steps (new credential, Worker switched and verified, then the fallback slot
 * replaced too), every channel's stream keys are rotated, the deploy token is rolled last, and
 * smoke and the probes verify the stack. Interrupted, it is continued by the next run: the kinds
 * through the rotation journal (this emergency's own period), the stream keys through theirs.
 */
export async function emergencyRotation(
  driver: StackDriver,
  options: EmergencyOptions,
): Promise<EmergencyReport> {
  const started = performance.now();
  const now = options.now ?? (() => new Date());
  const { journal, resumed } = openJournal(driver, options.only, now());
  const save = () => {
    if (!options.dryRun) saveEmergency(driver, journal);
  };
  save();
  const { progress } = options;
  if (resumed)
    progress.note(`Continuing ${journal.id} (begun ${journal.startedAt}; kinds ${journal.only.join(",")}).`);
  const selected = new Set<EmergencyKind>(journal.only);
  const steps: EmergencyStep[] = [];
  const outputsBefore = await driver.outputs();
  const report = (extra: Partial<EmergencyReport>): EmergencyReport => {
    const ok =
      !extra.refused &&
      steps.every((s) => s.outcome === "rotated" || s.outcome === "planned" || s.outcome === "skipped") &&
      (options.dryRun || extra.verification?.passed === true);
    return {
      stack: driver.stack,
      id: journal.id,
      startedAt: journal.startedAt,
      finishedAt: now().toISOString(),
      dryRun: options.dryRun,
      resumed,
      steps,
      actions: actionsFor(selected, outputsBefore, options.context, ok, Boolean(journal.finishedAt)),
      ok,
      durationMs: Math.round(performance.now() - started),
      ...extra,
    };
  };
  const kindRun = async (kinds: RotationKind[]): Promise<RotationReport | undefined> => {
    if (kinds.length === 0) return undefined;
    const result = await rotate(driver, {
      kinds,
      period: journal.id,
      dryRun: options.dryRun,
      force: false,
      emergency: true,
      verify: options.verify,
      progress,
      context: options.context,
    });
    for (const k of result.kinds)
      steps.push({
        kind: k.kind,
        outcome: k.outcome,
        ...(k.change ? { change: k.change } : {}),
        ...(k.error ? { error: k.error } : {}),
        resumed: k.resumed,
        durationMs: k.durationMs,
      });
    return result;
  };

  const first = await kindRun(
    ROTATION_KINDS.filter((k) => k !== "deploy-token" && selected.has(k)) as RotationKind[],
  );
  if (first?.refused) return report({ refused: first.refused });
  if (first && !first.ok && !options.dryRun) return report({});

  if (selected.has(STREAM_KEYS)) {
    const channels = Object.values(outputsBefore.tenants).reduce(
      (n, t) => n + Object.keys(t.channels).length,
      0,
    );
    const keysChange = `new ingest keys for every channel (${channels})${outputsBefore.probe ? " and the probe input" : ""}; connected broadcasters are dropped`;
    if (options.dryRun || journal.streamKeysDone) {
      steps.push({
        kind: STREAM_KEYS,
        outcome: options.dryRun ? "planned" : "skipped",
        change: keysChange,
        resumed: journal.streamKeysDone,
        durationMs: 0,
      });
    } else {
      const keysStarted = performance.now();
      const keys = await rotateStreamKeys(driver, {
        selection: { channels: [], tenants: [], all: true, probe: true },
        restart: false,
        progress,
        ...(options.signal ? { signal: options.signal } : {}),
      }).catch((e: unknown) => ({ error: messageOf(e) }));
      // Every channel reached: an input that is gone (the only failure that lets a run go on) has no
      // keys left to revoke, so it is named in the report and does not hold the emergency back.
      const done = !("error" in keys) && keys.finished;
      steps.push({
        kind: STREAM_KEYS,
        outcome: done ? "rotated" : options.signal?.aborted ? "interrupted" : "failed",
        change: keysChange,
        ...("error" in keys
          ? { error: keys.error }
          : keys.stopped || keys.failed.length > 0
            ? {
                error: [keys.stopped, ...keys.failed.map((f) => `${f.channel}: ${f.error}`)]
                  .filter(Boolean)
                  .join("; "),
              }
            : {}),
        resumed: !("error" in keys) && keys.resumed,
        durationMs: Math.round(performance.now() - keysStarted),
      });
      if (!done) return report({});
      journal.streamKeysDone = true;
      save();
    }
  }

  const last = await kindRun(selected.has("deploy-token") ? ["deploy-token"] : []);
  if (last && !last.ok && !options.dryRun) return report({});
  if (options.dryRun) return report({});

  // Every step has run: this emergency is over whatever the verification finds, and the next
  // `--emergency` is a new one with its own kinds. A failed verification makes this report not ok.
  journal.finishedAt = now().toISOString();
  save();
  const verification = await verifyStack(driver, options);
  return report({ verification });
}

/** Smoke and the probes against the stack as it is now, with the credentials it now holds. */
export async function verifyStack(
  driver: StackDriver,
  options: Pick<EmergencyOptions, "timeoutMs" | "probes" | "probeTimeoutMs" | "progress" | "signal">,
): Promise<NonNullable<EmergencyReport["verification"]>> {
  const target = await targetOfStack(driver, {});
  const probes = { ...options.probes, ingest: options.probes.ingest && Boolean(target.probe) };
  const smoke: SmokeReport = await runSmoke(
    target,
    {
      timeoutMs: options.timeoutMs,
      requireLive: false,
      probes,
      ...(options.probeTimeoutMs ? { probeTimeoutMs: options.probeTimeoutMs } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    },
    options.progress,
  );
  return {
    passed: smoke.passed,
    durationMs: smoke.durationMs,
    checks: smoke.checks.length,
    failed: [
      ...smoke.checks.filter((c) => c.status === "failed").map((c) => `${c.name}: ${c.error ?? "failed"}`),
      ...(smoke.probes ?? [])
        .filter((p) => p.status === "failed")
        .map((p) => `${p.name}: ${p.error ?? "failed"}`),
    ],
    probes: (smoke.probes ?? []).map((p) => ({ name: p.name, status: p.status })),
  };
}

/** What each party must do, for the kinds this emergency covers. */
function actionsFor(
  selected: ReadonlySet<EmergencyKind>,
  outputs: Awaited<ReturnType<StackDriver["outputs"]>>,
  context: StepContext,
  ok: boolean,
  finished: boolean,
): string[] {
  const actions: string[] = [];
  if (!ok)
    actions.push(
      finished
        ? "Operators: every credential was replaced, but the final verification failed. Fix what failed and check with `npm run smoke`; the emergency is over, so running it again would rotate everything once more."
        : "Operators: the emergency did not finish. Fix what failed and run the same command again: it continues where it stopped (or, if it is moot, drop it with `--abandon-emergency`).",
    );
  if (selected.has("tenant-keys") || selected.has("signing-secret"))
    actions.push(
      "Tenants: every API key changed. Fetch your new key from the stack outputs (`pulumi stack output --show-secrets tenants`) and deploy it to your servers; the old one is refused (401).",
    );
  if (selected.has("signing-secret"))
    actions.push(
      "Dashboard users: every dashboard and session token was signed with the old secret and is refused; sign in again with the tenant's new key. Clients rejoin their rooms with fresh session tokens.",
    );
  if (selected.has(STREAM_KEYS))
    actions.push(
      "Broadcasters: every stream key, SRT passphrase and WHIP URL changed and connected broadcasts were dropped. Take the new ingest details from POST /api/stream/connect (or `npm run rotate -- --only stream-keys --all --show-secrets` output) and reconnect.",
    );
  if (selected.has("webhook-secret"))
    actions.push(
      "Operators: the notification destination holds the new webhook secret; anything else that signed webhooks with the old one must take the new value.",
    );
  if (selected.has("deploy-token"))
    actions.push(
      context.ciSecret
        ? `Operators: the deploy token was rolled; the stack's config and ${context.ciSecret.store.description} (${context.ciSecret.name}) hold the new value. Anyone else with a copy must take it from there.`
        : "Operators: the deploy token was rolled and only the stack's config holds the new value: replace CI's copy now (or run with --ci-secret), and any other copy.",
    );
  const restream = Object.entries(outputs.tenants).flatMap(([tenant, t]) =>
    Object.entries(t.channels).flatMap(([channel, c]) =>
      Object.keys((c as { outputs?: Record<string, string> }).outputs ?? {}).map(
        (o) => `${tenant}/${channel}/${o}`,
      ),
    ),
  );
  if (restream.length > 0)
    actions.push(
      `Restream owners: the stream keys of restream targets are issued by those services, not by Cloudflare. Reset them there and set each new one (pulumi config set --secret --path 'realtime-stack:outputStreamKeys["<name>"]'), then deploy: ${restream.join(", ")}.`,
    );
  if (outputs.probe)
    actions.push(
      "Operators: the probe input's stream key was rotated with the channels'. The stack outputs show the old one until `pulumi refresh` (the ingest probe reads the current one from Cloudflare).",
    );
  return actions;
}
