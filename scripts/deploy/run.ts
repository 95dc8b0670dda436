import { messageOf } from "#infra/api/error-message.ts";
import type { StackDriver } from "#infra/stack-driver.ts";
import { buildWorkerBundle } from "#infra/worker-bundle.ts";
import { CouldNotRun } from "../lib/cli.ts";
import type { Progress } from "../lib/progress.ts";
import { formatMs } from "../lib/progress.ts";
import { NO_PROBES } from "../probes/plan.ts";
import { describeChange } from "../rotation/preview-check.ts";
import { describeCoverage } from "../smoke/channel-sample.ts";
import { smokeTally } from "../smoke/report.ts";
import { runSmoke, type SmokeOptions, type SmokeReport } from "../smoke/run.ts";
import { targetOfStack } from "../smoke/target.ts";

export interface DeployReport {
  stack: string;
  /** What `up` changed. */
  changes: string[];
  /** Why `up` failed, when it did. */
  upError?: string;
  /** The version the deployed Worker must report. */
  version?: string;
  smoke?: SmokeReport;
  /** Why smoke could not check the deployed stack at all. */
  smokeError?: string;
  ok: boolean;
  durationMs: number;
}

/**
 * `pulumi up`, then smoke against what it deployed: the Worker must report the version just built,
 * which also covers a deploy that has not propagated yet (smoke retries until its deadline).
 */
export async function deploy(
  driver: StackDriver,
  options: Omit<SmokeOptions, "requireLive"> & { progress: Progress },
): Promise<DeployReport> {
  const started = performance.now();
  const { progress } = options;
  const elapsed = () => Math.round(performance.now() - started);
  progress.set({ name: "up", status: "running", attempts: 1, detail: `applying ${driver.description}` });
  const [bundle, applied] = await Promise.all([
    buildWorkerBundle(),
    driver.up().then(
      (outcome) => ({ outcome }),
      (e: unknown) => ({ error: messageOf(e) }),
    ),
  ]);
  if ("error" in applied) {
    progress.set({ name: "up", status: "failed", attempts: 1, durationMs: elapsed(), detail: applied.error });
    return { stack: driver.stack, changes: [], upError: applied.error, ok: false, durationMs: elapsed() };
  }
  const changes = applied.outcome.changes.map(describeChange);
  progress.set({
    name: "up",
    status: "passed",
    attempts: 1,
    durationMs: elapsed(),
    detail: changes.length > 0 ? `${changes.length} change(s): ${changes.join("; ")}` : "no changes",
  });
  const base = { stack: driver.stack, changes, version: bundle.version };
  try {
    const target = await targetOfStack(driver, { expectVersion: bundle.version });
    // The flags ask for probes; the stack's realtime-stack:probe.onDeploy asks for all of them.
    const asked = options.probes ?? NO_PROBES;
    const probes = target.probe?.onDeploy ? { ingest: true, media: true, turn: true } : asked;
    const smoke = await runSmoke(target, { ...options, probes, requireLive: false }, progress);
    return { ...base, smoke, ok: smoke.passed, durationMs: elapsed() };
  } catch (e) {
    // After an up, a Worker that never answers is a failed deploy, not a smoke run that could not happen.
    if (!(e instanceof CouldNotRun)) throw e;
    return { ...base, smokeError: e.message, ok: false, durationMs: elapsed() };
  }
}

/** The verdict, for the end of a deploy's output. */
export function deploySummary(report: DeployReport): string {
  if (report.upError) return `Deploy of ${report.stack} FAILED: pulumi up: ${report.upError}`;
  if (report.smokeError)
    return `Deploy of ${report.stack} FAILED: the deployed Worker never answered: ${report.smokeError}`;
  if (!report.smoke) return `Deploy of ${report.stack} (version ${report.version}): no smoke report`;
  const tally = smokeTally(report.smoke);
  const checks = report.smoke.checks.length;
  const channels = describeCoverage(report.smoke.channels, report.smoke.channels.pace);
  if (tally.failedChecks.length === 0 && tally.failedProbes.length === 0) {
    return [
      `Deployed ${report.stack} (version ${report.version}) in ${formatMs(report.durationMs)}; smoke passed (${checks} checks${tally.passedProbes > 0 ? `, ${tally.passedProbes} probes` : ""}).`,
      channels,
      ...tally.warningLines,
      ...tally.probeLines,
    ].join("\n");
  }
  return [
    `Deploy of ${report.stack} (version ${report.version}) FAILED smoke: ${tally.failedChecks.length} of ${checks} checks${tally.failedProbeCount}:`,
    ...[...tally.failedChecks, ...tally.failedProbes].map((c) => `  ✗ ${c.name}: ${c.error}`),
    ...tally.warningLines,
    channels,
  ].join("\n");
}
