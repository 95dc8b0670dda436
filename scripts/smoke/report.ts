import { formatMs } from "../lib/progress.ts";
import { describeLatencies } from "../probes/probe.ts";
import type { SmokeReport } from "./run.ts";

/** The lines after the table: the verdict, and each failure with its reason. */
export function smokeSummary(report: SmokeReport): string {
  const failed = report.checks.filter((c) => c.status === "failed");
  const total = report.checks.length;
  const probes = report.probes ?? [];
  const failedProbes = probes.filter((p) => p.status === "failed");
  const probeLines = probes
    .filter((p) => p.status !== "failed")
    .map(
      (p) =>
        `  ${p.name}: ${p.status === "skipped" ? `skipped, ${p.detail}` : describeLatencies(p.latencies)}`,
    );
  if (failed.length === 0 && failedProbes.length === 0) {
    const passedProbes = probes.filter((p) => p.status === "passed").length;
    return [
      `Smoke passed: ${total}/${total} checks${probes.length > 0 ? ` and ${passedProbes} probes` : ""} against ${report.target} in ${formatMs(report.durationMs)}.`,
      ...probeLines,
    ].join("\n");
  }
  return [
    `Smoke FAILED: ${failed.length} of ${total} checks${probes.length > 0 ? `, ${failedProbes.length} of ${probes.length} probes` : ""} against ${report.target} (${formatMs(report.durationMs)}):`,
    ...failed.map((c) => `  ✗ ${c.name} (${c.attempts} attempt${c.attempts === 1 ? "" : "s"}): ${c.error}`),
    ...failedProbes.map((p) => `  ✗ ${p.name}: ${p.error}`),
    ...probeLines,
  ].join("\n");
}
