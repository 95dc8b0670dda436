import { ROUTE_TABLE } from "#contracts/api/route-table.ts";
import { buildWorkerBundle } from "#infra/worker-bundle.ts";
import { STATUS_REFRESH_MS } from "#worker/src/durable/status-snapshot.ts";
import { numberFlags } from "./args.ts";
import { seedStack, startWorker } from "./worker-harness.ts";

/**
 * What dashboards cost Cloudflare: N simulated dashboards poll every channel's status for a while,
 * each on its own schedule; the emulator's request log then says how many checks reached Cloudflare
 * per live input and per refresh interval, against the naive one per poll: API reads (which count
 * against the Worker's token budget) and lifecycle checks on Stream's delivery host (which do not).
 */
const USAGE =
  "Usage: npx tsx bench/status-amplification.ts [--dashboards 100] [--seconds 60] [--poll-seconds 30] [--channels 2]";
const {
  dashboards,
  seconds,
  "poll-seconds": pollSeconds,
  channels: channelCount,
} = numberFlags(USAGE, {
  dashboards: { default: 100, min: 1, max: 10_000 },
  seconds: { default: 60, min: 0.1, max: 600, fractional: true },
  "poll-seconds": { default: 30, min: 0.1, max: 600, fractional: true },
  channels: { default: 2, min: 1, max: 20 },
});

const channels = Array.from({ length: channelCount }, (_, i) => `channel-${i + 1}`);
const stack = await seedStack(channels);
const worker = await startWorker(await buildWorkerBundle(), stack);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

try {
  const startedAt = Date.now();
  const endAt = startedAt + seconds * 1000;
  const since = Math.max(0, ...stack.emulator.core.log.list().map((r) => r.seq));
  let polls = 0;
  let failures = 0;

  /** One dashboard: a random phase, then every channel's status once per poll period, until the end. */
  const dashboard = async () => {
    for (let at = startedAt + Math.random() * pollSeconds * 1000; at < endAt; at += pollSeconds * 1000) {
      await sleep(at - Date.now());
      await Promise.all(
        channels.map(async (channel) => {
          const res = await fetch(`${worker.url}${ROUTE_TABLE.streamStatus.path}?channel=${channel}`, {
            headers: stack.headers,
          });
          await res.arrayBuffer();
          polls += 1;
          if (!res.ok) failures += 1;
        }),
      );
    }
  };
  console.log(
    `${dashboards} dashboards × ${channelCount} channels, each polling every ${pollSeconds} s for ${seconds} s; refresh interval ${STATUS_REFRESH_MS / 1000} s\n`,
  );
  await Promise.all(Array.from({ length: dashboards }, dashboard));

  const elapsed = (Date.now() - startedAt) / 1000;
  const intervals = Math.ceil((elapsed * 1000) / STATUS_REFRESH_MS);
  const upstream = stack.emulator.core.log.list({ method: "GET", since });
  console.log(`status polls answered:          ${polls} (${failures} failed) in ${elapsed.toFixed(1)} s`);
  console.log(`naive cost (1 GET per poll):    ${(polls / channelCount).toFixed(0)} GETs per live input`);
  console.log(`refresh intervals elapsed:      ${intervals}`);
  for (const channel of channels) {
    const uid = stack.liveInputs[channel]!;
    const api = upstream.filter((r) => r.path.endsWith(`/live_inputs/${uid}`)).length;
    const lifecycle = upstream.filter((r) => r.path.endsWith(`/${uid}/lifecycle`)).length;
    console.log(
      `${channel.padEnd(12)} API reads: ${String(api).padStart(4)}   lifecycle checks: ${String(lifecycle).padStart(4)}` +
        `  → ${((api + lifecycle) / intervals).toFixed(2)} per refresh interval`,
    );
  }
} finally {
  await worker.close();
  await stack.emulator.close();
}
