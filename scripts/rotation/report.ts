import { formatMs } from "../lib/progress.ts";
import type { KindReport, RotationReport } from "./rotate.ts";
import type { StreamKeyRotation } from "./stream-keys.ts";

const OUTCOME: Record<KindReport["outcome"], string> = {
  rotated: "rotated",
  planned: "would rotate",
  skipped: "skipped (already rotated in this period)",
  "rolled-back": "ROLLED BACK",
  failed: "FAILED",
  "not-run": "not run (an earlier kind did not finish)",
};

/** The lines after the progress: what happened to each kind, and why anything failed. */
export function rotationSummary(report: RotationReport): string {
  const head = report.refused
    ? `Rotation of ${report.stack} REFUSED: the stack has pending changes that are not the rotation.`
    : report.dryRun
      ? `Rotation plan for ${report.stack} (period ${report.period}, dry run: nothing changed):`
      : `Rotation of ${report.stack} (period ${report.period}) ${report.ok ? "finished" : "did NOT finish"} in ${formatMs(report.durationMs)}:`;
  const refused = (report.refused ?? []).map((c) => `  ! ${c}`);
  const advice = report.refused
    ? ["Review and deploy them first (npm run deploy), or revert them; then rotate again."]
    : [];
  const kinds = report.kinds.map(
    (k) =>
      `  ${k.kind.padEnd(12)} ${OUTCOME[k.outcome]}${k.change ? `: ${k.change}` : ""}${k.resumed ? " (resumed)" : ""}${k.error ? `\n               ${k.error}` : ""}`,
  );
  if (!report.refused && report.kinds.length === 0) kinds.push("  nothing to rotate");
  return [head, ...refused, ...advice, ...kinds].join("\n");
}

export function streamKeySummary(rotations: StreamKeyRotation[]): string {
  return [
    "New ingest credentials (the old ones no longer work; broadcasters must reconnect with these):",
    ...rotations.flatMap((r) => [
      `  ${r.channel} (live input ${r.liveInputId}, rotated ${r.keysRotatedAt ?? "now"})`,
      `    RTMPS  ${r.ingest.rtmps.url}  stream key: ${r.ingest.rtmps.streamKey}`,
      `    SRT    ${r.ingest.srt.url}  stream id: ${r.ingest.srt.streamId}  passphrase: ${r.ingest.srt.passphrase}`,
      `    WHIP   ${r.ingest.whip.url}`,
    ]),
    "Stack outputs show the old keys until the stack is refreshed (pulumi refresh); POST /api/stream/connect answers the current ones within 10 s (its status holder re-reads the live input that often).",
  ].join("\n");
}
