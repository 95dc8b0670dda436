import { randomUUID } from "node:crypto";
import { Miniflare } from "miniflare";
import { WebSocket } from "ws";
import { QUIET, type WorkerSpec } from "./worker-runner.ts";

/** The parts of a V8 CPU profile (Chrome DevTools protocol `Profiler.Profile`) the measure reads. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string } }[];
  samples: number[];
  /** Microseconds before each sample. */
  timeDeltas: number[];
}

/** V8's default sampling interval is 1 ms; startup is measured finer (a global scope shorter than this may read 0). */
const SAMPLING_INTERVAL_US = 100;

/** The profile's CPU time, idle excluded, in milliseconds. */
function busyMs(profile: CpuProfile): number {
  const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === "(idle)").map((n) => n.id));
  let us = 0;
  profile.samples.forEach((node, i) => {
    if (!idle.has(node)) us += profile.timeDeltas[i] ?? 0;
  });
  return us / 1000;
}

/**
 * The Worker's startup time: the CPU time to parse its modules and run their global scope, which
 * Cloudflare limits to 1 second (invocation-limits/limits.ts). Measured as `wrangler check startup`
 * does it (wrangler 4.86, `analyseBundle`), offline: a workerd of its own runs an entry whose first
 * request imports the Worker's main module under V8's CPU profiler. Local CPU time is not
 * Cloudflare's: the figure is for benches to compare with the limit, not a verdict.
 */
export async function measureStartup(spec: WorkerSpec): Promise<number> {
  const entry = `${randomUUID()}.js`;
  const mf = new Miniflare({
    name: "startup",
    compatibilityDate: spec.compatibilityDate,
    compatibilityFlags: spec.compatibilityFlags,
    modules: [
      {
        type: "ESModule",
        path: entry,
        contents: `export default {
          async fetch() {
            await import(${JSON.stringify(`./${spec.mainModule}`)});
            return new Response("started");
          },
        };`,
      },
      { type: "ESModule", path: spec.mainModule, contents: spec.content },
    ],
    inspectorPort: 0,
    ...QUIET,
  });
  try {
    await mf.ready;
    const inspector = new URL("/core:user:startup", await mf.getInspectorURL());
    const ws = new WebSocket(inspector);
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    const replies = new Map<number, (result: { profile?: CpuProfile }) => void>();
    ws.on("message", (data) => {
      const message = JSON.parse(String(data)) as { id?: number; result?: { profile?: CpuProfile } };
      if (message.id !== undefined) replies.get(message.id)?.(message.result ?? {});
    });
    let nextId = 0;
    // Each command's reply is awaited, so that the profiler runs before the first request does.
    const send = (method: string, params: unknown = {}) =>
      new Promise<{ profile?: CpuProfile }>((resolve, reject) => {
        const id = ++nextId;
        replies.set(id, resolve);
        ws.once("error", reject);
        ws.send(JSON.stringify({ id, method, params }));
      });
    await send("Profiler.enable");
    await send("Profiler.setSamplingInterval", { interval: SAMPLING_INTERVAL_US });
    await send("Profiler.start");
    const res = await mf.dispatchFetch("http://localhost/");
    const body = await res.text();
    if (!res.ok) throw new Error(`the Worker did not start: HTTP ${res.status} ${body}`);
    const { profile } = await send("Profiler.stop");
    ws.close();
    if (!profile) throw new Error("the inspector returned no CPU profile");
    return busyMs(profile);
  } finally {
    await mf.dispose();
  }
}
