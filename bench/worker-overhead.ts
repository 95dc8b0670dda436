import { buildWorkerBundle } from "#infra/worker-bundle.ts";
import { numberFlags } from "./args.ts";
import { quantiles, seedStack, startWorker } from "./worker-harness.ts";

/**
 * What the Worker adds to a call: p50/p99 of /api/realtime/turn and /api/stream/status through
 * the bundled Worker in workerd on loopback, against the same upstream call made to the emulator
 * directly, same client, same load (sequential requests on kept-alive connections). TURN requests
 * start at most 450 a second, both ways: the Worker holds a tenant to its share of Cloudflare's
 * issuance rate (500/s, docs/reference/media-and-providers.md §3), and would answer 429 past it.
 */
const USAGE = "Usage: npx tsx bench/worker-overhead.ts [--requests 2000] [--warmup 200]";
const { requests, warmup } = numberFlags(USAGE, {
  requests: { default: 2000, min: 1, max: 100_000 },
  warmup: { default: 200, min: 0, max: 100_000 },
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

const stack = await seedStack(["main"]);
const worker = await startWorker(await buildWorkerBundle(), stack);
try {
  const emu = stack.emulator;
  const json = { "content-type": "application/json" };
  const pairs: { name: string; viaWorker: Probe; direct: Probe; perSecond?: number }[] = [
    {
      name: "POST /api/realtime/turn",
      viaWorker: {
        url: `${worker.url}/api/realtime/turn`,
        init: { method: "POST", headers: { ...stack.headers, ...json }, body: JSON.stringify({ ttl: 3600 }) },
      },
      direct: {
        url: `${emu.realtimeBase}/turn/keys/${stack.turnKey.id}/credentials/generate-ice-servers`,
        init: {
          method: "POST",
          headers: { authorization: `Bearer ${stack.turnKey.secret}`, ...json },
          body: JSON.stringify({ ttl: 3600, customIdentifier: "bench" }),
        },
      },
      perSecond: TURN_PER_SECOND,
    },
    {
      name: "GET /api/stream/status",
      viaWorker: { url: `${worker.url}/api/stream/status?channel=main`, init: { headers: stack.headers } },
      direct: {
        url: `${emu.apiBase}/accounts/${emu.accountId}/stream/live_inputs/${stack.liveInputs.main}`,
        init: { headers: { authorization: `Bearer ${stack.streamToken}` } },
      },
    },
  ];

  console.log(
    `${requests} sequential requests per line after ${warmup} of warm-up; Worker in workerd, emulator in this process\n`,
  );
  console.log(`${"route".padEnd(26)}${"".padEnd(16)}${"p50 ms".padStart(9)}${"p99 ms".padStart(9)}`);
  const floor = quantiles(await latencies({ url: `${worker.url}/healthz`, init: {} }));
  for (const { name, viaWorker, direct, perSecond } of pairs) {
    const through = quantiles(await latencies(viaWorker, perSecond));
    const bare = quantiles(await latencies(direct, perSecond));
    console.log(
      `${name.padEnd(26)}${"via Worker".padEnd(16)}${through.p50.toFixed(2).padStart(9)}${through.p99.toFixed(2).padStart(9)}`,
    );
    console.log(
      `${"".padEnd(26)}${"emulator direct".padEnd(16)}${bare.p50.toFixed(2).padStart(9)}${bare.p99.toFixed(2).padStart(9)}`,
    );
    console.log(
      `${"".padEnd(26)}${"added".padEnd(16)}${(through.p50 - bare.p50).toFixed(2).padStart(9)}${(through.p99 - bare.p99).toFixed(2).padStart(9)}`,
    );
  }
  console.log(
    `\nGET /healthz (the Worker alone, no upstream): p50 ${floor.p50.toFixed(2)} ms, p99 ${floor.p99.toFixed(2)} ms`,
  );
  console.log(
    "Status is served from the channel's status holder, so most status calls make no upstream call at all.",
  );
} finally {
  await worker.close();
  await stack.emulator.close();
}
