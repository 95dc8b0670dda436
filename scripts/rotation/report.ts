import { formatMs } from "../lib/progress.ts";
import type { AbandonReport } from "./abandon.ts";
import type { EmergencyReport } from "./emergency.ts";
import type { KindReport, RotationReport } from "./run.ts";
import type { StreamKeyReport } from "./stream-keys.ts";

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

/** An emergency: each kind's outcome, the verification, what each party must do, where the report is. */
export function emergencySummary(report: EmergencyReport, file: string | undefined): string {
  const head = report.refused
    ? `Emergency rotation of ${report.stack} REFUSED: the stack has pending changes that are not the rotation.`
    : report.dryRun
      ? `Emergency rotation plan for ${report.stack} (dry run: nothing changed):`
      : `Emergency rotation ${report.id} of ${report.stack} ${report.ok ? "finished" : report.verification ? "rotated everything but FAILED verification" : "did NOT finish"} in ${formatMs(report.durationMs)}${report.resumed ? " (resumed)" : ""}:`;
  const outcome = (o: EmergencyReport["steps"][number]["outcome"]) =>
    o === "interrupted" ? "INTERRUPTED" : o === "skipped" ? "done already" : OUTCOME[o];
  const steps = report.steps.map(
    (s) =>
      `  ${s.kind.padEnd(14)} ${outcome(s.outcome)}${s.change ? `: ${s.change}` : ""}${s.error ? `\n                 ${s.error}` : ""}`,
  );
  const verification = report.verification ? verificationLines(report.verification) : [];
  return [
    head,
    ...(report.refused ?? []).map((c) => `  ! ${c}`),
    ...steps,
    ...verification,
    ...(report.dryRun ? [] : ["What each party must do:", ...report.actions.map((a) => `  - ${a}`)]),
    ...(file ? [`Report (no secrets): ${file}`] : []),
  ].join("\n");
}

function verificationLines(v: NonNullable<EmergencyReport["verification"]>): string[] {
  return [
    `Verification: smoke (${v.checks} checks) and probes (${v.probes.map((p) => `${p.name} ${p.status}`).join(", ") || "none"}) ${v.passed ? "passed" : "FAILED"}.`,
    ...v.failed.map((f) => `  ✗ ${f}`),
  ];
}

const ABANDONED: Record<AbandonReport["kinds"][number]["state"], string> = {
  rotated: "rotated",
  "rolled-back": "rolled back",
  abandoned: "ABANDONED",
  "not-begun": "never begun",
};

/** An abandoned emergency: where each kind was left, the stack's check, what operators must do. */
export function abandonSummary(report: AbandonReport, file: string): string {
  const kinds = report.kinds.map(
    (k) =>
      `  ${k.kind.padEnd(14)} ${ABANDONED[k.state]}${k.done.length > 0 ? ` after ${k.done.join(", ")}` : ""}${k.cutShort ? ` (${k.cutShort} cut short)` : ""}${k.oldStillWorks === "maybe" ? "; the credential from before may still work" : k.oldStillWorks ? "; the credential from before still works" : ""}`,
  );
  return [
    `Emergency ${report.id} of ${report.stack} (begun ${report.startedAt}) abandoned; nothing was applied or rolled back:`,
    ...kinds,
    ...report.pending.map((c) => `  ! pending: ${c}`),
    ...verificationLines(report.verification),
    ...(report.actions.length > 0
      ? ["What operators must do:", ...report.actions.map((a) => `  - ${a}`)]
      : []),
    `Report (no secrets): ${file}`,
  ].join("\n");
}

const listed = (names: string[], most = 10) =>
  names.length <= most
    ? names.join(", ")
    : `${names.slice(0, most).join(", ")} and ${names.length - most} more`;

/**
 * What a stream-key run did. The new credentials themselves only with --show-secrets (one block per
 * channel); otherwise one line per channel, which is what a log of 3,000 channels can hold.
 */
export function streamKeySummary(report: StreamKeyReport, showSecrets: boolean): string {
  const done = report.rotated.length + report.earlier.length;
  const head = `Stream keys of ${report.stack}: ${done} of ${report.total} channels rotated${report.resumed ? ` (${report.earlier.length} by the run this one continued)` : ""} in ${formatMs(report.durationMs)}.`;
  const rotations = showSecrets
    ? report.rotated.flatMap((r) => [
        `  ${r.channel} (live input ${r.liveInputId}, rotated ${r.keysRotatedAt ?? "now"})`,
        `    RTMPS  ${r.ingest.rtmps.url}  stream key: ${r.ingest.rtmps.streamKey}`,
        `    SRT    ${r.ingest.srt.url}  stream id: ${r.ingest.srt.streamId}  passphrase: ${r.ingest.srt.passphrase}`,
        `    WHIP   ${r.ingest.whip.url}`,
      ])
    : report.rotated.map(
        (r) => `  ${r.channel} (live input ${r.liveInputId}, rotated ${r.keysRotatedAt ?? "now"})`,
      );
  return [
    head,
    ...(report.rotated.length > 0
      ? [
          `New ingest credentials (the old ones no longer work; broadcasters must reconnect with these)${showSecrets ? "" : ", hidden: --show-secrets prints them, --json hands them to a program"}:`,
          ...rotations,
        ]
      : []),
    ...(report.earlier.length > 0
      ? [
          `Rotated before: ${listed(report.earlier.map((e) => e.channel))} (connect answers their current keys).`,
        ]
      : []),
    ...report.failed.map((f) => `  ✗ ${f.channel}: ${f.error}`),
    ...(report.remaining > 0 || report.failed.length > 0
      ? [
          `${report.stopped ? `Stopped: ${report.stopped}. ` : ""}${report.remaining + report.failed.length} of ${report.total} channels left: run the same command again to continue (journal ${report.journal}).`,
        ]
      : []),
    "Stack outputs show the old keys until the stack is refreshed (pulumi refresh); POST /api/stream/connect answers the current ones within 10 s (its channel status object re-reads the live input that often).",
  ].join("\n");
}
