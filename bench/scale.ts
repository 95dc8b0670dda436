import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createServerClient, type ServerClient } from "#client/server.ts";
import { UPSTREAM_LIMITS } from "#contracts/cloudflare/limits.ts";
import { EmulatorAdmin } from "#emulator/admin-client.ts";
import { DEFAULT_DEPLOY_API } from "#infra/api/deploy-api.ts";
import { skipsCheckpoints } from "#local-engine/checkpoints.ts";
import type { Step } from "#local-engine/engine.ts";
import { LocalStack } from "#local-engine/local-stack.ts";
import { InProcessLocalDriver } from "#scripts/lib/local-driver.ts";
import { silentProgress } from "#scripts/lib/progress.ts";
import { rotateStreamKeys } from "#scripts/rotation/stream-keys.ts";
import { evaluateProgram } from "#test/infra/evaluate.ts";
import { asPulumiConfig, scaledStackValues, scaledTenantsConfig } from "#test/infra/stack-config.ts";
import { median } from "./local-stack.ts";

/**
 * The stack at platform scale, under Cloudflare's own API rate limit (the emulator's default,
 * 1,200 calls per 5 minutes per token, then 5 minutes refused; nothing here raises it): how long
 * the program takes to evaluate, `up` from an empty account beside the least time the deploy
 * token's budget allows for its creates, an `up` with nothing to change, a refresh, a stream-key
 * rotation, what status costs the Worker, how often its sweep re-reads each input, and the most
 * calls any token made in 5 minutes. With PULUMI_SKIP_CHECKPOINTS=true in its environment, the
 * local engine writes its state once per operation instead of after every step, as Pulumi does
 * (local-engine/checkpoints.ts); the first line says which.
 */
const USAGE = "Usage: npm run bench:scale -- [--tenants 100,300] [--channels 3] [--rotate 30] [--status 200]";
const { values } = parseArgs({
  options: {
    tenants: { type: "string", default: "100,300" },
    channels: { type: "string", default: "3" },
    rotate: { type: "string", default: "30" },
    status: { type: "string", default: "200" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const sizes = values.tenants.split(",").map(Number);
const [channels, rotate, statusCalls] = [values.channels, values.rotate, values.status].map(Number) as [
  number,
  number,
  number,
];
const whole = (n: number, max: number) => Number.isInteger(n) && n >= 1 && n <= max;
if (
  !sizes.every((n) => whole(n, 10_000)) ||
  !whole(channels, 50) ||
  !whole(rotate, 3_000) ||
  !whole(statusCalls, 10_000)
) {
  console.error(USAGE);
  process.exit(2);
}

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const FIVE_MINUTES_S = 300;
/** What the own providers may spend of the deploy token per 5 minutes, and the scripts. */
const providersPer5Minutes = UPSTREAM_LIMITS.cloudflareApiPer5Minutes * DEFAULT_DEPLOY_API.share;
const scriptsPer5Minutes = UPSTREAM_LIMITS.cloudflareApiPer5Minutes * DEFAULT_DEPLOY_API.scriptShare;

/** The floor the issue sets for `calls`: their number ÷ the allowed rate (a burst may beat it). */
const floorSeconds = (calls: number, per5Minutes: number) => (calls / per5Minutes) * FIVE_MINUTES_S;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const timed = async <T>(task: () => Promise<T>): Promise<[T, number]> => {
  const started = performance.now();
  const result = await task();
  return [result, performance.now() - started];
};

console.log(
  skipsCheckpoints()
    ? "state written once per operation (PULUMI_SKIP_CHECKPOINTS)"
    : "state written after every step (Pulumi's default)",
);

// Module loading and the first bundle build are one-off costs of a process, not of a tenant count.
await evaluateProgram(asPulumiConfig(scaledStackValues(1, 1)));

for (const tenants of sizes) {
  const liveInputs = tenants * channels;
  console.log(`\n${tenants} tenants × ${channels} channels (${liveInputs} live inputs)`);
  const [, evaluateMs] = await timed(() =>
    evaluateProgram(asPulumiConfig(scaledStackValues(tenants, channels))),
  );
  console.log(`  program evaluation         ${seconds(evaluateMs)}`);

  const stateDir = mkdtempSync(join(tmpdir(), "bench-scale-"));
  const steps: Step[] = [];
  const [stack, upMs] = await timed(() =>
    LocalStack.start({
      root: ROOT,
      stateDir,
      quietWorker: true,
      configPatch: scaledTenantsConfig(tenants, channels),
      onStep: (step) => steps.push(step),
    }),
  );
  try {
    const creates = steps.filter((s) => s.op === "create").length;
    const floor = floorSeconds(creates, providersPer5Minutes) * 1000;
    console.log(
      `  up from empty              ${seconds(upMs)}  (${creates} creates ÷ ${providersPer5Minutes} per 5 minutes ` +
        `= floor ${seconds(floor)}; ratio ${(upMs / floor).toFixed(2)})`,
    );
    const stateMb = statSync(stack.engineStateFile).size / 1e6;
    console.log(`  state file                 ${stateMb.toFixed(1)} MB for ${steps.length} resources`);
    // The apply after the one that created the Worker drops its migrations: settle, then measure.
    await stack.apply();
    const [noChange, noChangeMs] = await timed(() => stack.apply());
    const changed = noChange.steps.filter((s) => s.op !== "same");
    const named = changed.map((s) => `${s.op} ${s.name}`).join(", ");
    console.log(
      `  up with nothing to change  ${seconds(noChangeMs)}  (${changed.length} changes${named ? `: ${named}` : ""})`,
    );
    const [refreshed, refreshMs] = await timed(() => stack.refresh());
    console.log(`  refresh                    ${seconds(refreshMs)}  (${refreshed.length} resources read)`);

    const rotated = Math.min(rotate, liveInputs);
    const driver = new InProcessLocalDriver(stack, "bench stack", false);
    const rotateTenants = Array.from({ length: Math.ceil(rotated / channels) }, (_, t) => `tenant-${t}`);
    const [report, rotateMs] = await timed(() =>
      rotateStreamKeys(driver, {
        selection: { channels: [], tenants: rotateTenants, all: false },
        restart: true,
        progress: silentProgress,
      }),
    );
    const perChannelMs = rotateMs / report.rotated.length;
    const allFloor = floorSeconds(liveInputs, scriptsPer5Minutes);
    console.log(
      `  stream-key rotation        ${seconds(rotateMs)} for ${report.rotated.length} channels ` +
        `(${perChannelMs.toFixed(0)} ms each); every channel's: floor ${seconds(allFloor * 1000)} ` +
        `at the scripts' ${scriptsPer5Minutes} per 5 minutes`,
    );

    const outputs = stack.outputs as { tenants: Record<string, { apiKey: string }> };
    const worker = createServerClient({ baseUrl: stack.worker.url });
    // The same channels, each asked once first: its first status reads the API (first contact),
    // every later one is what a dashboard or an app pays.
    const pairs = Array.from({ length: Math.min(statusCalls, 50) }, (_, i) => {
      const tenant = `tenant-${i % tenants}`;
      const api: ServerClient = createServerClient({
        baseUrl: stack.worker.url,
        tenant,
        key: outputs.tenants[tenant]!.apiKey,
      });
      return { api, channel: `channel-${Math.floor(i / tenants) % channels}` };
    });
    for (const { api, channel } of pairs) await api.streamStatus({ channel });
    const health: number[] = [];
    const status: number[] = [];
    for (let i = 0; i < statusCalls; i++) {
      const { api, channel } = pairs[i % pairs.length]!;
      health.push((await timed(() => worker.healthz()))[1]);
      status.push((await timed(() => api.streamStatus({ channel })))[1]);
    }
    console.log(
      `  status p50                 ${median(status).toFixed(1)} ms (healthz ${median(health).toFixed(1)} ms; ` +
        `added ${(median(status) - median(health)).toFixed(1)} ms) over ${statusCalls} calls`,
    );
    const sweep = (await worker.healthz()).refresh?.api_sweep;
    if (sweep)
      console.log(
        `  sweep re-reads each input  every ${sweep.cycle_seconds} s (${sweep.per_5_minutes} reads per 5 minutes)`,
      );

    const { tokens } = await new EmulatorAdmin(stack.emulator.url, stack.emulator.adminToken).rateLimit();
    const peak = Math.max(...tokens.map((t) => t.peakWindowRequests));
    const refusals = tokens.reduce((sum, t) => sum + t.refusals, 0);
    console.log(
      `  peak calls in 5 minutes    ${peak} of ${UPSTREAM_LIMITS.cloudflareApiPer5Minutes} (busiest token; ` +
        `${refusals} refused across ${tokens.length} tokens)`,
    );
  } finally {
    await stack.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}
