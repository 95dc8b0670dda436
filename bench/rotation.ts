import { parseArgs } from "node:util";
import { silentProgress } from "#scripts/lib/progress.ts";
import { ROTATION_KINDS } from "#scripts/rotation/kinds.ts";
import { rotate } from "#scripts/rotation/rotate.ts";
import { stackVerifier } from "#scripts/rotation/verify.ts";
import { ApiLoad } from "#test/scripts/support/api-load.ts";
import { benchStack, median } from "./local-stack.ts";

/**
 * Wall time of each kind's rotation on the local stack (target: all kinds within 30 s), while a
 * client keeps minting TURN and SFU credentials and reading channel status at a steady rate; prints
 * how many of its requests were served and how many failed (target: none).
 */
const { values } = parseArgs({
  options: { rounds: { type: "string", default: "3" }, rate: { type: "string", default: "24" } },
});
const rounds = Number(values.rounds);
const rate = Number(values.rate);
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 100 || !(rate > 0 && rate <= 500)) {
  console.error("Usage: npm run bench:rotation -- [--rounds 3] [--rate 24]");
  process.exit(2);
}

const stack = await benchStack();
try {
  const perKind = new Map<string, number[]>(ROTATION_KINDS.map((k) => [k, []]));
  const totals: number[] = [];
  const traffic = { served: 0, failed: 0, durationMs: 0, failures: [] as string[] };
  for (let round = 1; round <= rounds; round++) {
    // Both tenants, with the keys current before this round: its tenant-key rotation must not break them.
    const outputs = await stack.driver.outputs();
    const load = new ApiLoad(
      outputs.workerUrl,
      Object.entries(outputs.tenants).map(([id, t]) => ({
        id,
        key: t.apiKey,
        channel: Object.keys(t.channels)[0]!,
      })),
    );
    load.start(rate);
    const roundStarted = performance.now();
    for (const kind of ROTATION_KINDS) {
      const started = performance.now();
      const report = await rotate(stack.driver, {
        kinds: [kind],
        period: `bench-${round}`,
        dryRun: false,
        force: false,
        verify: stackVerifier({ timeoutMs: 30_000, mediaProbes: false }),
        progress: silentProgress,
      });
      if (!report.ok) throw new Error(`rotation of ${kind} did not finish: ${JSON.stringify(report.kinds)}`);
      perKind.get(kind)!.push(performance.now() - started);
    }
    totals.push(performance.now() - roundStarted);
    const result = await load.stop();
    traffic.served += result.served;
    traffic.failed += result.failed;
    traffic.durationMs += result.durationMs;
    traffic.failures.push(...result.failures);
  }
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log(`rotation on the local stack: ${rounds} round(s) of every kind, load at ${rate} requests/s`);
  for (const [kind, times] of perKind) {
    console.log(`  ${kind.padEnd(12)} median ${s(median(times))}  max ${s(Math.max(...times))}`);
  }
  console.log(`  every kind   median ${s(median(totals))}  max ${s(Math.max(...totals))} (target ≤ 30 s)`);
  const perSecond = (traffic.served + traffic.failed) / (traffic.durationMs / 1000);
  console.log(
    `  requests during rotation: ${traffic.served} served, ${traffic.failed} failed (${perSecond.toFixed(1)}/s over ${s(traffic.durationMs)})`,
  );
  for (const failure of traffic.failures.slice(0, 5)) console.log(`    failure: ${failure}`);
} finally {
  await stack.close();
}
