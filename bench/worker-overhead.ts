import { ROUTE_TABLE } from "#contracts/api/route-table.ts";
import { API_ROUTES } from "#contracts/api/routes.ts";
import { buildWorkerBundle } from "#infra/worker-bundle.ts";
import { numberFlags } from "./args.ts";
import { FORWARD_TO, quantiles, seedStack, startForwardingWorker, startWorker } from "./worker-harness.ts";

/**
 * What the Worker adds to a call: p50/p99 of the credential routes (TURN, an SFU session, a room
 * join) and of /api/stream/status through the bundled Worker in workerd on loopback, against the
 * upstream calls the route makes, made to the emulator directly, same client, same load
 * (sequential requests on kept-alive connections). Minting requests start at most 450 a second,
 * both ways: the Worker holds a tenant to its share of Cloudflare's TURN issuance rate (500/s,
 * docs/reference/media-and-providers.md §3), and would answer 429 past it; so the credential
 * routes are measured with the bench tenant alone. Status is measured with the tenant map of 2
 * tenants and of `--many-tenants` (3 channels each) compiled into the Worker: target ≤ 1 ms added
 * at both, since no request walks the map. Requests reach the Worker on a direct socket, not
 * through Miniflare's entry Worker, which stands in for Cloudflare's edge (the `cf` object, gzip of
 * JSON answers) and costs about 0.8 ms a request here; calls made straight to the emulator skip the
 * edge's work too, so neither side pays for it (the entry Worker's /healthz is printed for
 * comparison). "Added" holds the loopback hop into workerd and back, which any request to the
 * Worker pays; "over /healthz" takes out that Worker's /healthz p50 too, leaving what the route's
 * own work costs. For TURN and an SFU session, whose route makes one upstream call, "over
 * forwarder" takes out instead a Worker that makes only that call, so what is left is the route's
 * own code, the hops into and out of workerd taken out, but for the assets router's: the bundle
 * passes it, the forwarder, which has no assets, does not.
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

/**
 * Samples of each probe: in every paced slot the probes run one after another, so that probes
 * measured together meet the same load.
 */
async function latencies(probes: Probe[], perSecond = Number.POSITIVE_INFINITY): Promise<number[][]> {
  let nextStart = performance.now();
  let i = 0;
  const paced = async () => {
    const wait = nextStart - performance.now();
    if (wait > 0) await sleep(wait);
    nextStart = Math.max(nextStart, performance.now()) + 1000 / perSecond;
    const times: number[] = [];
    for (const probe of probes) {
      const started = performance.now();
      await probe(i);
      times.push(performance.now() - started);
    }
    i++;
    return times;
  };
  for (let n = 0; n < warmup; n++) await paced();
  const samples = probes.map((): number[] => []);
  for (let n = 0; n < requests; n++) {
    (await paced()).forEach((ms, k) => {
      samples[k]!.push(ms);
    });
  }
  return samples;
}

/** p50 and p99 of one probe. */
const measure = async (probe: Probe, perSecond?: number) =>
  quantiles((await latencies([probe], perSecond))[0]!);

const json = { "content-type": "application/json" };
const header = () =>
  console.log(`${"route".padEnd(40)}${"".padEnd(16)}${"p50 ms".padStart(9)}${"p99 ms".padStart(9)}`);

/** The Worker's /healthz, which makes no upstream call: what reaching the Worker at all costs. */
const healthz =
  (workerUrl: string): Probe =>
  () =>
    send(`${workerUrl}${ROUTE_TABLE.healthz.path}`);

const cell = (ms: number | undefined) => (ms === undefined ? "" : ms.toFixed(2)).padStart(9);

/** One line of the table: the route (on its first line only), what the figures are, p50 and p99. */
const row = (label: string, p50: number, p99: number | undefined, route = "", note = "") =>
  console.log(`${route.padEnd(40)}${label.padEnd(16)}${cell(p50)}${cell(p99)}${note}`);

/** An upstream call, as the route makes it: sent straight to the emulator, or through the forwarder. */
interface UpstreamCall {
  url: string;
  init: RequestInit & { headers: Record<string, string> };
}

/**
 * One route through the Worker and straight to the emulator, what the Worker added, and how much
 * of that is more than the Worker's /healthz, called right after each call of the route. With
 * `forwarder`, the route's one upstream call is also made through a Worker that does nothing else,
 * called right after too: "over forwarder" is then what the route's own code costs, the hops into
 * and out of workerd taken out.
 */
async function compare(
  name: string,
  viaWorker: Probe,
  direct: Probe,
  workerUrl: string,
  perSecond?: number,
  forwarder?: Probe,
) {
  const probes = [viaWorker, healthz(workerUrl), ...(forwarder ? [forwarder] : [])];
  const [routeSamples, floorSamples, forwardedSamples] = await latencies(probes, perSecond);
  const through = quantiles(routeSamples!);
  const floor = quantiles(floorSamples!);
  const bare = await measure(direct, perSecond);
  row("via Worker", through.p50, through.p99, name);
  row("emulator direct", bare.p50, bare.p99);
  row("added", through.p50 - bare.p50, through.p99 - bare.p99);
  row("over /healthz", through.p50 - bare.p50 - floor.p50, undefined);
  if (forwardedSamples) {
    const forwarded = quantiles(forwardedSamples);
    row("forwarder", forwarded.p50, forwarded.p99);
    row("over forwarder", through.p50 - forwarded.p50, undefined);
  }
}

const straight =
  (call: UpstreamCall): Probe =>
  () =>
    send(call.url, call.init);
const forwarded =
  (forwarderUrl: string, call: UpstreamCall): Probe =>
  () =>
    send(forwarderUrl, { ...call.init, headers: { ...call.init.headers, [FORWARD_TO]: call.url } });

/** A call through the Worker as tenant `bench`: a GET, or a POST of `body`. */
const viaWorker =
  (workerUrl: string, headers: Record<string, string>, path: string, body?: unknown): Probe =>
  () =>
    send(
      `${workerUrl}${path}`,
      body === undefined
        ? { headers }
        : { method: "POST", headers: { ...headers, ...json }, body: JSON.stringify(body) },
    );

console.log(
  `${requests} sequential requests per line after ${warmup} of warm-up; Worker in workerd on a direct socket, emulator in this process\n`,
);
header();

// The credential routes, with the bench tenant alone: its share of issuance is Cloudflare's whole rate.
{
  const stack = await seedStack(["main", "members"], { signed: ["members"] });
  const worker = await startWorker(await buildWorkerBundle(), stack);
  const forwarder = await startForwardingWorker();
  try {
    const emu = stack.emulator;
    const turnCall: UpstreamCall = {
      url: `${emu.realtimeBase}/turn/keys/${stack.turnKey.id}/credentials/generate-ice-servers`,
      init: {
        method: "POST",
        headers: { authorization: `Bearer ${stack.turnKey.secret}`, ...json },
        body: JSON.stringify({ ttl: 3600, customIdentifier: "bench" }),
      },
    };
    const sfuCall: UpstreamCall = {
      url: `${emu.realtimeBase}/apps/${stack.sfuApp.id}/sessions/new`,
      init: { method: "POST", headers: { authorization: `Bearer ${stack.sfuApp.secret}` } },
    };
    const turnDirect = straight(turnCall);
    const sfuDirect = straight(sfuCall);
    const member = (i: number) => ({ user_id: `u${i % JOIN_USERS}`, user_name: "Bench" });
    const call = (path: string, body?: unknown) => viaWorker(worker.directUrl, stack.headers, path, body);
    await compare(
      "POST /api/realtime/turn",
      call(API_ROUTES.turn.path, { ttl: 3600 }),
      turnDirect,
      worker.directUrl,
      MINTS_PER_SECOND,
      forwarded(forwarder.directUrl, turnCall),
    );
    await compare(
      "POST /api/realtime/sfu",
      (i) => call(API_ROUTES.sfuSession.path, { room_id: "sfu", ...member(i) })(i),
      sfuDirect,
      worker.directUrl,
      MINTS_PER_SECOND,
      forwarded(forwarder.directUrl, sfuCall),
    );
    await compare(
      "POST /api/realtime/join",
      (i) => call(API_ROUTES.join.path, { room_id: "join", ...member(i) })(i),
      // What a join on the SFU sends Cloudflare: TURN credentials and a session, side by side.
      async () => {
        await Promise.all([turnDirect(0), sfuDirect(0)]);
      },
      worker.directUrl,
      MINTS_PER_SECOND,
    );
    const floor = await measure(healthz(worker.directUrl));
    const throughEntry = await measure(healthz(worker.url));
    // Signed in the Worker, no upstream call: what it adds is its time over the Worker's floor.
    // Viewers of a channel who ask within the same second share claims, so the Worker hands them
    // the token it signed (worker/src/playback-signer.ts); a ttl per request makes every claim
    // new, so each of those requests pays a signature.
    const tokenRow = (route: string, token: { p50: number; p99: number }) => {
      row("via Worker", token.p50, token.p99, route);
      row("over /healthz", token.p50 - floor.p50, token.p99 - floor.p99, "", "  (target: p50 <= 1 ms)");
    };
    const playbackToken = (ttl: (i: number) => number) => (i: number) =>
      call(API_ROUTES.streamPlaybackToken.path, { channel: "members", ttl: ttl(i) })(i);
    tokenRow(
      "POST /api/stream/playback-token",
      await measure(
        playbackToken(() => 3600),
        MINTS_PER_SECOND,
      ),
    );
    tokenRow(
      "  … with new claims each request",
      await measure(
        playbackToken((i) => 3600 + (i % 3600)),
        MINTS_PER_SECOND,
      ),
    );
    console.log(
      `\nGET /healthz (the Worker alone, no upstream): p50 ${floor.p50.toFixed(2)} ms, p99 ${floor.p99.toFixed(2)} ms`,
    );
    console.log(
      `  … through Miniflare's entry Worker, the edge's work (gzip) included: p50 ${throughEntry.p50.toFixed(2)} ms, p99 ${throughEntry.p99.toFixed(2)} ms`,
    );
    console.log(
      "An SFU session and a join also record the session in the room's object (a join first counts the user in), which the direct calls do not.\n",
    );
  } finally {
    await forwarder.close();
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
      viaWorker(worker.directUrl, stack.headers, `${API_ROUTES.streamStatus.path}?channel=main`),
      () =>
        send(`${emu.apiBase}/accounts/${emu.accountId}/stream/live_inputs/${stack.liveInputs.main}`, {
          headers: { authorization: `Bearer ${stack.streamToken}` },
        }),
      worker.directUrl,
    );
  } finally {
    await worker.close();
    await stack.emulator.close();
  }
}
console.log(
  "\nStatus is served from the channel status object, checked on Stream's delivery host once per refresh\n" +
    "interval, so most status calls make no upstream call at all.",
);
