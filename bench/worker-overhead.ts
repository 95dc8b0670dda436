import { API_ROUTES } from "#contracts/api/routes.ts";
import { buildWorkerBundle } from "#infra/worker-bundle.ts";
import { numberFlags } from "./args.ts";
import { quantiles, seedStack, startWorker } from "./worker-harness.ts";

/**
 * What the Worker adds to a call: p50/p99 of the credential routes (TURN, an SFU session, a room
 * join) and of /api/stream/status through the bundled Worker in workerd on loopback, against the
 * upstream calls the route makes, made to the emulator directly, same client, same load
 * (sequential requests on kept-alive connections). Minting requests start at most 450 a second,
 * both ways: the Worker holds a tenant to its share of Cloudflare's TURN issuance rate (500/s,
 * docs/reference/media-and-providers.md §3), and would answer 429 past it.
 */
const USAGE = "Usage: npx tsx bench/worker-overhead.ts [--requests 2000] [--warmup 200]";
const { requests, warmup } = numberFlags(USAGE, {
  requests: { default: 2000, min: 1, max: 100_000 },
  warmup: { default: 200, min: 0, max: 100_000 },
});

/** One call, made the same way for every sample: `i` tells calls apart where a route needs it. */
type Probe = (i: number) => Promise<void>;

/** Minting requests a second, under the one bench tenant's share of TURN issuance. */
const MINTS_PER_SECOND = 450;
/** Join's users, in turn, in one room: from the third on the room is on the SFU, so each join mints TURN and a session. */
const JOIN_USERS = 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function send(url: string, init: RequestInit = {}): Promise<void> {
  const res = await fetch(url, init);
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`${init.method ?? "GET"} ${url} answered ${res.status}`);
}

async function latencies(probe: Probe, perSecond = Number.POSITIVE_INFINITY): Promise<number[]> {
  let nextStart = performance.now();
  let i = 0;
  const paced = async () => {
    const wait = nextStart - performance.now();
    if (wait > 0) await sleep(wait);
    nextStart = Math.max(nextStart, performance.now()) + 1000 / perSecond;
    const started = performance.now();
    await probe(i++);
    return performance.now() - started;
  };
  for (let n = 0; n < warmup; n++) await paced();
  const samples: number[] = [];
  for (let n = 0; n < requests; n++) samples.push(await paced());
  return samples;
}

const stack = await seedStack(["main"]);
const worker = await startWorker(await buildWorkerBundle(), stack.bindings);
try {
  const emu = stack.emulator;
  const json = { "content-type": "application/json" };
  const viaWorker = (path: string, body?: unknown): Probe => {
    const init: RequestInit =
      body === undefined
        ? { headers: stack.headers }
        : { method: "POST", headers: { ...stack.headers, ...json }, body: JSON.stringify(body) };
    return () => send(`${worker.url}${path}`, init);
  };
  const turnDirect = () =>
    send(`${emu.realtimeBase}/turn/keys/${stack.turnKey.id}/credentials/generate-ice-servers`, {
      method: "POST",
      headers: { authorization: `Bearer ${stack.turnKey.secret}`, ...json },
      body: JSON.stringify({ ttl: 3600, customIdentifier: "bench" }),
    });
  const sfuDirect = () =>
    send(`${emu.realtimeBase}/apps/${stack.sfuApp.id}/sessions/new`, {
      method: "POST",
      headers: { authorization: `Bearer ${stack.sfuApp.secret}` },
    });
  const member = (i: number) => ({ user_id: `u${i % JOIN_USERS}`, user_name: "Bench" });
  const pairs: { name: string; viaWorker: Probe; direct: Probe; perSecond?: number }[] = [
    {
      name: "POST /api/realtime/turn",
      viaWorker: viaWorker(API_ROUTES.turn.path, { ttl: 3600 }),
      direct: turnDirect,
      perSecond: MINTS_PER_SECOND,
    },
    {
      name: "POST /api/realtime/sfu",
      viaWorker: (i) => viaWorker(API_ROUTES.sfuSession.path, { room_id: "sfu", ...member(i) })(i),
      direct: sfuDirect,
      perSecond: MINTS_PER_SECOND,
    },
    {
      name: "POST /api/realtime/join",
      viaWorker: (i) => viaWorker(API_ROUTES.join.path, { room_id: "join", ...member(i) })(i),
      // What a join on the SFU sends Cloudflare: TURN credentials and a session, side by side.
      direct: async () => {
        await Promise.all([turnDirect(), sfuDirect()]);
      },
      perSecond: MINTS_PER_SECOND,
    },
    {
      name: "GET /api/stream/status",
      viaWorker: viaWorker(`${API_ROUTES.streamStatus.path}?channel=main`),
      direct: () =>
        send(`${emu.apiBase}/accounts/${emu.accountId}/stream/live_inputs/${stack.liveInputs.main}`, {
          headers: { authorization: `Bearer ${stack.streamToken}` },
        }),
    },
  ];

  console.log(
    `${requests} sequential requests per line after ${warmup} of warm-up; Worker in workerd, emulator in this process\n`,
  );
  console.log(`${"route".padEnd(26)}${"".padEnd(16)}${"p50 ms".padStart(9)}${"p99 ms".padStart(9)}`);
  const floor = quantiles(await latencies(() => send(`${worker.url}/healthz`)));
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
  console.log(
    "An SFU session and a join also record the session in the room's object (a join first counts the user in), which the direct calls do not.",
  );
} finally {
  await worker.close();
  await stack.emulator.close();
}
