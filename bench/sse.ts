import { STATUS_EVENT } from "#contracts/api/event-stream.ts";
import { ROUTE_TABLE } from "#contracts/api/route-table.ts";
import type { ChannelStatusView } from "#contracts/api/stream.ts";
import { SseReader } from "#contracts/sse.ts";
import { EmulatorAdmin } from "#emulator/admin-client.ts";
import { notifyLocalWorker } from "#local-engine/local-notifications.ts";
import { numberFlags } from "./args.ts";
import { benchStack } from "./local-stack.ts";
import { quantiles } from "./worker-harness.ts";

/**
 * Status push latency: N dashboards hold one channel's event stream open; the emulator flips the
 * live input (a broadcaster connecting, then leaving), posts Cloudflare's notification to the
 * Worker, and each dashboard's event arrives. Prints flip → event over every dashboard and flip.
 */
const USAGE = "Usage: npm run bench:sse -- [--dashboards 100] [--flips 40]";
const { dashboards, flips } = numberFlags(USAGE, {
  dashboards: { default: 100, min: 1, max: 2_000 },
  flips: { default: 40, min: 1, max: 10_000 },
});

const EVENT_DEADLINE_MS = 10_000;
type Outputs = {
  tenants: Record<string, { apiKey: string; channels: Record<string, { liveInputId: string }> }>;
};

/** One dashboard's event stream: resolves waiters when a status with the awaited state arrives. */
async function listen(url: string, headers: Record<string, string>) {
  const res = await fetch(url, { headers });
  if (!res.ok || !res.body) throw new Error(`event stream: HTTP ${res.status}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const events = new SseReader();
  let states: (string | null)[] = [];
  let waiter: { state: string; resolve: (at: number) => void } | undefined;
  const pump = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      const at = performance.now();
      for (const message of events.push(value)) {
        if (message.event !== STATUS_EVENT || !message.data) continue;
        const { state } = JSON.parse(message.data) as ChannelStatusView;
        states.push(state);
        if (waiter && state === waiter.state) {
          waiter.resolve(at);
          waiter = undefined;
        }
      }
    }
  })();
  return {
    firstEvent: async () => {
      while (states.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      states = [];
    },
    next: (state: string) => new Promise<number>((resolve) => (waiter = { state, resolve })),
    close: async () => {
      await reader.cancel();
      await pump.catch(() => {});
    },
  };
}

const bench = await benchStack();
try {
  const { local } = bench;
  const outputs = local.outputs as Outputs;
  const [tenantId, tenant] = Object.entries(outputs.tenants)[0]!;
  const [channel, { liveInputId }] = Object.entries(tenant.channels)[0]!;
  await notifyLocalWorker(local, [liveInputId]);
  const admin = new EmulatorAdmin(local.emulator.url, local.emulator.adminToken);
  const headers = { "x-tenant-id": tenantId, authorization: `Bearer ${tenant.apiKey}` };
  const streams = await Promise.all(
    Array.from({ length: dashboards }, () =>
      listen(`${local.worker.url}${ROUTE_TABLE.streamEvents.path}?channel=${channel}`, headers),
    ),
  );
  await Promise.all(streams.map((s) => s.firstEvent()));
  console.log(
    `${dashboards} dashboards on ${tenantId}/${channel}; ${flips} state flips through the emulator's webhook\n`,
  );

  const latencies: number[] = [];
  const lastDashboard: number[] = [];
  for (let i = 0; i < flips; i++) {
    const state = i % 2 === 0 ? "connected" : "disconnected";
    const arrivals = streams.map((s) => s.next(state));
    const flippedAt = performance.now();
    await admin.setLiveInputState(liveInputId, state);
    const deadline = new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error(`flip ${i}: not every dashboard heard of it`)),
        EVENT_DEADLINE_MS,
      ).unref(),
    );
    const times = await Promise.race([Promise.all(arrivals), deadline]);
    const flip = times.map((at) => at - flippedAt);
    latencies.push(...flip);
    lastDashboard.push(Math.max(...flip));
  }
  const all = quantiles(latencies);
  const last = quantiles(lastDashboard);
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  console.log(
    `flip → event, each dashboard (${latencies.length} events):  p50 ${ms(all.p50)}  p99 ${ms(all.p99)}`,
  );
  console.log(
    `flip → every dashboard updated (${flips} flips):        p50 ${ms(last.p50)}  p99 ${ms(last.p99)}`,
  );
  await Promise.all(streams.map((s) => s.close()));
} finally {
  await bench.close();
}
