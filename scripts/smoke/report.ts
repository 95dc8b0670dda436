import { formatMs } from "../lib/progress.ts";
import { describeLatencies } from "../probes/probe.ts";
import { describeCoverage } from "./channel-sample.ts";
import type { SmokeReport } from "./run.ts";

/** What smoke's and deploy's verdicts both count and list. */
export function smokeTally(report: SmokeReport) {
  const failedChecks = report.checks.filter((c) => c.status === "failed");
  const warnings = report.checks.filter((c) => c.status === "warning");
  const probes = report.probes ?? [];
  const failedProbes = probes.filter((p) => p.status === "failed");
  return {
    failedChecks,
    failedProbes,
    /** Each check that passed with a warning (a token about to expire), one line each. */
    warningLines: warnings.map((c) => `  ! ${c.name}: ${c.detail}`),
    passedProbes: probes.filter((p) => p.status === "passed").length,
    /** `, 1 of 4 probes` after the checks' count; nothing when no probe ran. */
    failedProbeCount: probes.length > 0 ? `, ${failedProbes.length} of ${probes.length} probes` : "",
    /** Each probe that did not fail: its latencies, or why it was skipped. */
    probeLines: probes
      .filter((p) => p.status !== "failed")
      .map(
        (p) =>
          `  ${p.name}: ${p.status === "skipped" ? `skipped, ${p.detail}` : describeLatencies(p.latencies)}`,
      ),
  };
}

/** The lines after the table: the verdict, and each failure with its reason. */
export function smokeSummary(report: SmokeReport): string {
  const tally = smokeTally(report);
  const total = report.checks.length;
  const channels = describeCoverage(report.channels, report.channels.pace);
  // A check that passed only when tried again says why its first attempt failed: a flaky path.
  const retriedLines = report.checks
    .filter((c) => c.status !== "failed" && c.retriedAfter !== undefined)
    .map((c) => `  ↻ ${c.name} passed at attempt ${c.attempts}; the first failed: ${c.retriedAfter}`);
  if (tally.failedChecks.length === 0 && tally.failedProbes.length === 0) {
    return [
      `Smoke passed${tally.warningLines.length > 0 ? ` with ${tally.warningLines.length} warning${tally.warningLines.length === 1 ? "" : "s"}` : ""}: ${total}/${total} checks${report.probes?.length ? ` and ${tally.passedProbes} probes` : ""} against ${report.target} in ${formatMs(report.durationMs)}.`,
      channels,
      ...retriedLines,
      ...tally.warningLines,
      ...tally.probeLines,
    ].join("\n");
  }
  return [
    `Smoke FAILED: ${tally.failedChecks.length} of ${total} checks${tally.failedProbeCount} against ${report.target} (${formatMs(report.durationMs)}):`,
    ...tally.failedChecks.map(
      (c) => `  ✗ ${c.name} (${c.attempts} attempt${c.attempts === 1 ? "" : "s"}): ${c.error}`,
    ),
    ...tally.failedProbes.map((p) => `  ✗ ${p.name}: ${p.error}`),
    ...tally.warningLines,
    ...tally.probeLines,
    channels,
  ].join("\n");
}
