import { parseArgs } from "node:util";
import { silentProgress } from "#scripts/lib/progress.ts";
import { runSmoke } from "#scripts/smoke/run.ts";
import { targetOfStack } from "#scripts/smoke/target.ts";
import { benchStack, median } from "./local-stack.ts";

/**
 * Wall time of the full smoke run on a healthy local stack (target: at most 5 s), and of each
 * check, over several runs: the checks alone, no probe (bench/probes.ts times the probes).
 */
const { values } = parseArgs({
  options: { runs: { type: "string", default: "10" } },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1 || runs > 1000) {
  console.error("Usage: npm run bench:smoke -- [--runs 10]");
  process.exit(2);
}
const stack = await benchStack();
try {
  const target = await targetOfStack(stack.driver, {});
  const walls: number[] = [];
  const perCheck = new Map<string, number[]>();
  let failures = 0;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const report = await runSmoke(target, { timeoutMs: 60_000, requireLive: false }, silentProgress);
    walls.push(performance.now() - started);
    if (!report.passed) failures += 1;
    for (const c of report.checks) perCheck.set(c.name, [...(perCheck.get(c.name) ?? []), c.durationMs]);
  }
  const ms = (v: number) => `${v.toFixed(0)} ms`;
  console.log(`smoke on a healthy local stack: ${runs} runs`);
  console.log(
    `  wall time   median ${ms(median(walls))}  min ${ms(Math.min(...walls))}  max ${ms(Math.max(...walls))}  (target ≤ 5000 ms)`,
  );
  console.log(`  failed runs ${failures}`);
  console.log("  median per check:");
  for (const [name, durations] of perCheck) console.log(`    ${name.padEnd(28)} ${ms(median(durations))}`);
} finally {
  await stack.close();
}
