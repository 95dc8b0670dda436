import { parseArgs } from "node:util";
import { ApiError } from "#client/api-error.ts";
import { createServerClient } from "#client/server.ts";
import { DEPLOY_TOKEN_KEY } from "#infra/providers/host/api.ts";
import { readLocalSecret } from "#local-engine/local-config.ts";
import { silentProgress } from "#scripts/lib/progress.ts";
import { EMERGENCY_KINDS, emergencyRotation } from "#scripts/rotation/emergency.ts";
import { ROTATION_KINDS } from "#scripts/rotation/kinds.ts";
import { rotate } from "#scripts/rotation/run.ts";
import { stackVerifier } from "#scripts/rotation/verify.ts";
import { ApiLoad } from "#test/scripts/support/api-load.ts";
import { exitPastTurnRefresh } from "./exit-past-turn-refresh.ts";
import { benchStack, median } from "./local-stack.ts";

/**
 * Wall time of each kind's rotation on the local stack (target: all kinds within 30 s), while a
 * client keeps minting TURN and SFU credentials and reading channel status at a steady rate; prints
 * how many of its requests were served and how many failed (target: none). Then, unless
 * `--no-emergency`, the emergency rotation of the stack (issue 21, target under 2 minutes): wall
 * time from its start to every old credential refused and smoke and probes green, and each step's share.
 */
const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    rate: { type: "string", default: "24" },
    "no-emergency": { type: "boolean", default: false },
  },
});
const rounds = Number(values.rounds);
const rate = Number(values.rate);
if (!Number.isInteger(rounds) || rounds < 0 || rounds > 100 || !(rate > 0 && rate <= 500)) {
  console.error("Usage: npm run bench:rotation -- [--rounds 3] [--rate 24] [--no-emergency]");
  process.exit(2);
}

// coturn and the media plane: the emergency's verification relays a call through TURN.
const stack = await benchStack({ turn: !values["no-emergency"], media: !values["no-emergency"] });
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
  if (rounds > 0) printRounds();
  if (!values["no-emergency"]) await emergencyLine();

  function printRounds() {
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
  }
} finally {
  await stack.close();
}
exitPastTurnRefresh();

/**
 * One emergency rotation of every kind: its wall time includes the proof that the old deploy token
 * and an old tenant key are refused (the leak drill, test/scripts/leak-drill.test.ts, proves every kind).
 */
async function emergencyLine() {
  const before = await stack.driver.outputs();
  const oldDeployToken = readLocalSecret(stack.local.stateDir, "dev", DEPLOY_TOKEN_KEY)!;
  const [tenant, t] = Object.entries(before.tenants)[0]!;
  const started = performance.now();
  const report = await emergencyRotation(stack.driver, {
    only: EMERGENCY_KINDS,
    dryRun: false,
    verify: stackVerifier({ timeoutMs: 30_000, mediaProbes: false }),
    timeoutMs: 60_000,
    probes: { ingest: true, media: true, turn: true },
    progress: silentProgress,
    context: {},
  });
  if (!report.ok) throw new Error(`the emergency rotation did not finish: ${JSON.stringify(report.steps)}`);
  const { emulator } = stack.local;
  const refusedStarted = performance.now();
  const deploy = await fetch(`${emulator.apiBase}/accounts/${emulator.accountId}/tokens/verify`, {
    headers: { authorization: `Bearer ${oldDeployToken}` },
  });
  await deploy.arrayBuffer();
  const oldKey = createServerClient({ baseUrl: before.workerUrl, tenant, key: t.apiKey });
  const keyStatus = await oldKey.streamChannels().then(
    () => 200,
    (e: unknown) => (e instanceof ApiError ? e.status : 0),
  );
  if (deploy.status !== 401 || keyStatus !== 401)
    throw new Error(`an old credential still works: deploy token ${deploy.status}, tenant key ${keyStatus}`);
  const refusedMs = performance.now() - refusedStarted;
  const total = performance.now() - started;
  const share = (ms: number) => `${((ms / total) * 100).toFixed(0).padStart(3)} %`;
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log(
    `emergency rotation of every credential: ${s(total)} to every old credential refused, smoke and probes green (target < 120 s)`,
  );
  for (const step of report.steps)
    console.log(`  ${step.kind.padEnd(14)} ${s(step.durationMs).padStart(8)}  ${share(step.durationMs)}`);
  const v = report.verification!;
  console.log(`  ${"smoke+probes".padEnd(14)} ${s(v.durationMs).padStart(8)}  ${share(v.durationMs)}`);
  console.log(`  ${"refusal check".padEnd(14)} ${s(refusedMs).padStart(8)}  ${share(refusedMs)}`);
}
