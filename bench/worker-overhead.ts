import { buildWorkerBundle } from "#infra/worker-bundle.ts";
import { numberFlags } from "./args.ts";
import { quantiles, seedStack, startWorker } from "./worker-harness.ts";

/**
 * What the Worker adds to a call: p50/p99 of /api/realtime/turn and /api/stream/status through
 * the bundled Worker in workerd on loopback, against the same upstream call made to the emulator
 * directly, same client, same load (sequential requests on kept-alive connections). TURN requests
 * start at most 450 a second, both ways: the Worker holds a tenant to its share of Cloudflare's
 * issuance rate (500/s, docs/reference/media-and-providers.md §3), and would answer 429 past it;
 * so TURN is measured with the bench tenant alone. Status is measured with the tenant map of 2
 * tenants and of `--many-tenants` (3 channels each) compiled into the Worker: target ≤ 1 ms added
 * at both, since no request walks the map.
 */
const USAGE =
  "Usage: npx tsx bench/worker-overhead.ts [--requests 2000] [--warmup 200] [--many-tenants 1000]";
const {
  requests,
  warmup,
  "many-tenants": manyTenants,
} = numberFlags(USAGE, {
  requests: { default: 2000, min: 1, max: 100_000 },
  warmup: { default: 200, min: 0, max: 100_000 },
  "many-tenants": { default: 1_000, min: 3, max: 10_000 },
});

interface Probe {
  url: string;
  init: RequestInit;
}

/** TURN requests a second, under the one bench tenant's share of issuance. */
const TURN_PER_SECOND = 450;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function latencies(probe: Probe, perSecond = Number.POSITIVE_INFINITY): Promise<number[]> {
  let nextStart = performance.now();
  const paced = async () => {
    const wait = nextStart - performance.now();
    if (wait > 0) await sleep(wait);
    nextStart = Math.max(nextStart, performance.now()) + 1000 / perSecond;
    return once();
  };
  const once = async () => {
    const started = performance.now();
    const res = await fetch(probe.url, probe.init);
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${probe.init.method ?? "GET"} ${probe.url} answered ${res.status}`);
    return performance.now() - started;
  };
  for (let i = 0; i < warmup; i++) await paced();
  const samples: number[] = [];
  for (let i = 0; i < requests; i++) samples.push(await paced());
  return samples;
}

const json = { "content-type": "application/json" };
const header = () =>
  console.log(`${"route".padEnd(40)}${"".padEnd(16)}${"p50 ms".padStart(9)}${"p99 ms".padStart(9)}`);

/** One route through the Worker and straight to the emulator, and what the Worker added. */
async function compare(name: string, viaWorker: Probe, direct: Probe, perSecond?: number) {
  const through = quantiles(await latencies(viaWorker, perSecond));
  const bare = quantiles(await latencies(direct, perSecond));
  const row = (label: string, p50: number, p99: number, first = "") =>
    console.log(
      `${first.padEnd(40)}${label.padEnd(16)}${p50.toFixed(2).padStart(9)}${p99.toFixed(2).padStart(9)}`,
    );
  row("via Worker", through.p50, through.p99, name);
  row("emulator direct", bare.p50, bare.p99);
  row("added", through.p50 - bare.p50, through.p99 - bare.p99);
}

console.log(
  `${requests} sequential requests per line after ${warmup} of warm-up; Worker in workerd, emulator in this process\n`,
);
header();

// TURN, with the bench tenant alone: its share of issuance is Cloudflare's whole rate.
{
  const stack = await seedStack(["main"]);
  const worker = await startWorker(await buildWorkerBundle(), stack);
  try {
    await compare(
      "POST /api/realtime/turn",
      {
        url: `${worker.url}/api/realtime/turn`,
        init: { method: "POST", headers: { ...stack.headers, ...json }, body: JSON.stringify({ ttl: 3600 }) },
      },
      {
        url: `${stack.emulator.realtimeBase}/turn/keys/${stack.turnKey.id}/credentials/generate-ice-servers`,
        init: {
          method: "POST",
          headers: { authorization: `Bearer ${stack.turnKey.secret}`, ...json },
          body: JSON.stringify({ ttl: 3600, customIdentifier: "bench" }),
        },
      },
      TURN_PER_SECOND,
    );
    const floor = quantiles(await latencies({ url: `${worker.url}/healthz`, init: {} }));
    console.log(
      `\nGET /healthz (the Worker alone, no upstream): p50 ${floor.p50.toFixed(2)} ms, p99 ${floor.p99.toFixed(2)} ms\n`,
    );
  } finally {
    await worker.close();
    await stack.emulator.close();
  }
}

// Status, with the tenant map of a few tenants and of many compiled in.
header();
for (const tenantCount of [2, manyTenants]) {
  const tenants = Array.from({ length: tenantCount }, (_, i) => (i === 0 ? "bench" : `tenant-${i}`));
  const stack = await seedStack(["main", "backup", "events"], { tenants });
  const worker = await startWorker(await buildWorkerBundle(), stack);
  try {
    const emu = stack.emulator;
    await compare(
      `GET /api/stream/status (${tenantCount} tenants)`,
      { url: `${worker.url}/api/stream/status?channel=main`, init: { headers: stack.headers } },
      {
        url: `${emu.apiBase}/accounts/${emu.accountId}/stream/live_inputs/${stack.liveInputs.main}`,
        init: { headers: { authorization: `Bearer ${stack.streamToken}` } },
      },
    );
  } finally {
    await worker.close();
    await stack.emulator.close();
  }
}
console.log(
  "\nStatus is served from the channel's status holder, checked on Stream's delivery host once per refresh\n" +
    "interval, so most status calls make no upstream call at all.",
);
