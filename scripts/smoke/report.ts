import { formatMs } from "../lib/progress.ts";
import type { SmokeReport } from "./run.ts";

/** The lines after the table: the verdict, and each failure with its reason. */
export function smokeSummary(report: SmokeReport): string {
  const failed = report.checks.filter((c) => c.status === "failed");
  const total = report.checks.length;
  if (failed.length === 0) {
    return `Smoke passed: ${total}/${total} checks against ${report.target} in ${formatMs(report.durationMs)}.`;
  }
  return [
    `Smoke FAILED: ${failed.length} of ${total} checks against ${report.target} (${formatMs(report.durationMs)}):`,
    ...failed.map((c) => `  ✗ ${c.name} (${c.attempts} attempt${c.attempts === 1 ? "" : "s"}): ${c.error}`),
  ].join("\n");
}
