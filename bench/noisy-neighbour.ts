import { UPSTREAM_LIMITS } from "#contracts/cloudflare/limits.ts";
import { buildWorkerBundle } from "#infra/worker-bundle.ts";
import { numberFlags } from "./args.ts";
import { quantiles, seedStack, startWorker } from "./worker-harness.ts";

/**
 * One tenant against another. Tenant `quiet` makes its calls one after another, ten rounds a
 * second (a channel's status, every channel's status, TURN credentials, an SFU session, a read of
 * it through the session proxy), first alone, then while tenant `noisy` bursts connects over its channels, TURN
 * credentials and reads of its own SFU session at a fixed concurrency. Prints the upstream calls
 * each tenant caused (the emulator's request log; the emulator keeps Cloudflare's own per-token
 * limit here), how the Worker answered each tenant, and quiet's latency under the noise as a
 * ratio of its quiet baseline.
 */
const USAGE = "Usage: npx tsx bench/noisy-neighbour.ts [--seconds 5] [--concurrency 16] [--channels 4]";
const {
  seconds,
  concurrency,
  channels: channelCount,
} = numberFlags(USAGE, {
  seconds: { default: 5, min: 1, max: 60 },
  concurrency: { default: 16, min: 1, max: 256 },
  channels: { default: 4, min: 1, max: 20 },
});

type Upstream = "cloudflare-api" | "turn" | "sfu";
type Tenant = "noisy" | "quiet";
const TENANTS: Tenant[] = ["noisy", "quiet"];

const channels = Array.from({ length: channelCount }, (_, i) => `channel-${i + 1}`);
const stack = await seedStack(channels, { tenants: TENANTS, cloudflareRateLimit: true });
const worker = await startWorker(await buildWorkerBundle(), stack);

async function send(tenant: Tenant, path: string, init: RequestInit = {}, bearer?: string) {
  const headers: Record<string, string> = { ...stack.tenants[tenant]!.headers };
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  if (init.body) headers["content-type"] = "application/json";
  const started = performance.now();
  const res = await fetch(`${worker.url}${path}`, { ...init, headers });
  const text = await res.text();
  return { status: res.status, ms: performance.now() - started, text };
}
const post = (body: unknown) => ({ method: "POST", body: JSON.stringify(body) });

async function newSession(tenant: Tenant, user: string) {
  const res = await send(
    tenant,
    "/api/realtime/sfu",
    post({ room_id: "bench", user_id: user, user_name: user }),
  );
  if (res.status !== 201) throw new Error(`bench setup: POST /api/realtime/sfu answered ${res.status}`);
  return JSON.parse(res.text).data as { session_id: string; token: string };
}

/** Which tenant an upstream call was made for, and on which budget: from what the Worker sent. */
const sessionsOf = new Map<string, Tenant>();
const counted: Record<Tenant, Record<Upstream, number>> = {
  noisy: { "cloudflare-api": 0, turn: 0, sfu: 0 },
  quiet: { "cloudflare-api": 0, turn: 0, sfu: 0 },
};
let seen = Math.max(0, ...stack.emulator.core.log.list().map((r) => r.seq));
function countUpstream(): void {
  for (const entry of stack.emulator.core.log.list({ since: seen })) {
    seen = entry.seq;
    const byInput = TENANTS.find((t) =>
      Object.values(stack.tenants[t]!.liveInputs).some((id) => entry.path.endsWith(`/${id}`)),
    );
    if (byInput) counted[byInput]["cloudflare-api"] += 1;
    else if (entry.path.endsWith("/generate-ice-servers")) {
      const tenant = String((entry.body as { customIdentifier?: string })?.customIdentifier).split(":")[0];
      if (tenant === "noisy" || tenant === "quiet") counted[tenant].turn += 1;
    } else if (entry.path.includes("/sessions/")) {
      // Only quiet creates sessions while measured; every other SFU call names its session.
      const id = entry.path.split("/sessions/")[1]!.split("/")[0]!;
      counted[id === "new" ? "quiet" : (sessionsOf.get(id) ?? "quiet")].sfu += 1;
    }
  }
}

/** Quiet's pace: one round of its calls this often, as an app's backend might make them. */
const QUIET_ROUND_MS = 100;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Quiet's calls, one after another, a round every QUIET_ROUND_MS, until the deadline: latency per kind. */
async function quietCalls(untilMs: number) {
  const session = await newSession("quiet", "quiet-reader");
  sessionsOf.set(session.session_id, "quiet");
  const kinds = {
    "status (one channel)": () => send("quiet", `/api/stream/status?channel=${channels[0]}`),
    "status (every channel)": () => send("quiet", "/api/stream/status"),
    "TURN credentials": () => send("quiet", "/api/realtime/turn", post({ user_id: "q" })),
    "SFU session": () =>
      send("quiet", "/api/realtime/sfu", post({ room_id: "bench", user_id: "q", user_name: "Q" })),
    "session read (proxy)": () =>
      send("quiet", `/api/realtime/sfu/sessions/${session.session_id}`, {}, session.token),
  };
  const samples = Object.fromEntries(Object.keys(kinds).map((k) => [k, [] as number[]]));
  let failed = 0;
  for (let round = Date.now(); round < untilMs; round += QUIET_ROUND_MS) {
    await sleep(round - Date.now());
    for (const [kind, call] of Object.entries(kinds)) {
      const res = await call();
      if (res.status >= 300) failed += 1;
      samples[kind]!.push(res.ms);
    }
  }
  return { samples, failed };
}

/** Noisy's burst: `concurrency` callers, each cycling through connects, TURN and session reads. */
async function noisyBurst(untilMs: number) {
  const session = await newSession("noisy", "noisy-reader");
  sessionsOf.set(session.session_id, "noisy");
  const answers: Record<string, Record<number, number>> = { connect: {}, turn: {}, "session read": {} };
  const tally = (kind: string, status: number) => {
    answers[kind]![status] = (answers[kind]![status] ?? 0) + 1;
  };
  let n = 0;
  const caller = async () => {
    while (Date.now() < untilMs) {
      const i = n++;
      const connect = await send(
        "noisy",
        "/api/stream/connect",
        post({ channel: channels[i % channels.length] }),
      );
      tally("connect", connect.status);
      tally("turn", (await send("noisy", "/api/realtime/turn", post({ user_id: `n${i % 50}` }))).status);
      const read = await send("noisy", `/api/realtime/sfu/sessions/${session.session_id}`, {}, session.token);
      tally("session read", read.status);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, caller));
  return answers;
}

const ms = (n: number) => n.toFixed(2).padStart(8);
try {
  console.log(
    `quiet alone for ${seconds} s, then beside noisy (${concurrency} concurrent callers) for ${seconds} s; ` +
      `${channelCount} channels each; the emulator limits the Worker's API token to Cloudflare's ${UPSTREAM_LIMITS.cloudflareApiPer5Minutes} per 5 minutes\n`,
  );
  const ticker = setInterval(countUpstream, 200);
  const baseline = await quietCalls(Date.now() + seconds * 1000);
  countUpstream();
  const quietAlone = structuredClone(counted.quiet);
  const until = Date.now() + seconds * 1000;
  const [noisy, beside] = await Promise.all([noisyBurst(until), quietCalls(until)]);
  clearInterval(ticker);
  countUpstream();

  console.log(
    "upstream calls during the noisy phase, per tenant (Cloudflare API token / TURN key / SFU app):",
  );
  for (const tenant of TENANTS) {
    const calls = { ...counted[tenant] };
    if (tenant === "quiet") for (const k of Object.keys(calls) as Upstream[]) calls[k] -= quietAlone[k];
    console.log(
      `  ${tenant.padEnd(6)} cloudflare-api ${String(calls["cloudflare-api"]).padStart(6)}   turn ${String(calls.turn).padStart(6)}   sfu ${String(calls.sfu).padStart(6)}`,
    );
  }
  console.log("\nnoisy's answers from the Worker, by status:");
  for (const [kind, byStatus] of Object.entries(noisy)) {
    const parts = Object.entries(byStatus).map(([status, count]) => `${status}: ${count}`);
    console.log(`  ${kind.padEnd(14)} ${parts.join(", ")}`);
  }
  console.log(`\nquiet's calls that failed: ${baseline.failed} alone, ${beside.failed} beside noisy\n`);
  console.log(
    `${"quiet's call".padEnd(26)}${"alone p50".padStart(10)}${"beside".padStart(8)}${"ratio".padStart(7)}${"alone p99".padStart(11)}${"beside".padStart(8)}${"ratio".padStart(7)}`,
  );
  for (const kind of Object.keys(baseline.samples)) {
    const a = quantiles(baseline.samples[kind]!);
    const b = quantiles(beside.samples[kind]!);
    console.log(
      `${kind.padEnd(26)}${ms(a.p50)}${ms(b.p50)}${(b.p50 / a.p50).toFixed(2).padStart(7)}${ms(a.p99).padStart(11)}${ms(b.p99)}${(b.p99 / a.p99).toFixed(2).padStart(7)}`,
    );
  }
  console.log(
    "\nms; one machine runs the Worker (workerd), the emulator and both tenants' clients, so the ratio " +
      "includes the CPU the noise takes; the shares keep quiet's calls answered and noisy's upstream calls within its share.",
  );
} finally {
  await worker.close();
  await stack.emulator.close();
}
