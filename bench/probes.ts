import { formatMs, silentProgress } from "#scripts/lib/progress.ts";
import { runProbes } from "#scripts/probes/plan.ts";
import type { ProbeResult } from "#scripts/probes/probe.ts";
import { targetOfStack } from "#scripts/smoke/target.ts";
import { numberFlags } from "./args.ts";
import { exitPastTurnRefresh } from "./exit-past-turn-refresh.ts";
import { benchStack, median } from "./local-stack.ts";

/**
 * Each probe on the local stack (media plane, local SFU, coturn): its duration, and the share of it
 * spent waiting on what is Cloudflare's side in production (the input connecting, the first HLS
 * segment, the peers connecting to the SFU, the first packet and message through it).
 */
const USAGE = "Usage: npm run bench:probes -- [--rounds 3]";
const { rounds } = numberFlags(USAGE, { rounds: { default: 3, min: 1, max: 10 } });

const { driver, close } = await benchStack({ media: true, turn: true });
try {
  const target = await targetOfStack(driver, {});
  const byName = new Map<string, ProbeResult[]>();
  for (let round = 0; round < rounds; round++) {
    const results = await runProbes(
      target,
      { ingest: true, media: true, turn: true },
      { timeoutMs: 60_000 },
      silentProgress,
    );
    for (const r of results) {
      if (r.status === "failed") throw new Error(`${r.name} failed: ${r.error}`);
      byName.set(r.name, [...(byName.get(r.name) ?? []), r]);
    }
  }
  console.log(`probes on the local stack: ${rounds} round(s), medians`);
  for (const [name, results] of byName) {
    if (results[0]!.status === "skipped") {
      console.log(`  ${name.padEnd(20)} skipped: ${results[0]!.detail}`);
      continue;
    }
    const duration = median(results.map((r) => r.durationMs));
    const waiting = median(results.map((r) => r.cloudflareWaitMs));
    const steps = results[0]!.latencies.map(
      (l) =>
        `${l.step} ${formatMs(median(results.map((r) => r.latencies.find((x) => x.step === l.step)!.ms)))}`,
    );
    console.log(
      `  ${name.padEnd(20)} ${formatMs(duration).padStart(7)}  Cloudflare-side waits ${formatMs(waiting).padStart(7)} (${Math.round((100 * waiting) / duration)}%)  ${steps.join(", ")}`,
    );
  }
} finally {
  await close();
}
exitPastTurnRefresh();
