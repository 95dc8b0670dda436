import type { Progress } from "../lib/progress.ts";
import type { SmokeTarget } from "../smoke/target.ts";
import { findMediaTools } from "./ffmpeg.ts";
import { type IngestProtocol, ingestProbe } from "./ingest.ts";
import { mediaProbe } from "./media.ts";
import { type Probe, ProbeFailed, type ProbeResult, runProbe } from "./probe.ts";

/** Which probes a run makes: `smoke --probe-ingest / --probe-media / --probe-turn`, or deploy's config. */
export interface ProbeSelection {
  /** A broadcast to the probe input over RTMPS, and over SRT where ffmpeg has libsrt. */
  ingest: boolean;
  /** A call through the Worker: SFU media and a DataChannel message between two peers. */
  media: boolean;
  /** The same call with both peers on a TURN relay only. */
  turn: boolean;
}

export const NO_PROBES: ProbeSelection = { ingest: false, media: false, turn: false };
export const anyProbe = (s: ProbeSelection) => s.ingest || s.media || s.turn;

export interface ProbeRunOptions {
  /** Each probe's own bound, cleanups excluded. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** The probes' default bound: a broadcast needs ~10 s to connect, package and be decoded on Cloudflare. */
export const PROBE_TIMEOUT_MS = 45_000;

const isLoopback = (url: string) => ["127.0.0.1", "localhost", "[::1]"].includes(new URL(url).hostname);

/** A probe that cannot even start reports why, as a failed probe (it was asked for). */
const cannotRun = (name: string, why: string): Probe => ({
  name,
  run: async () => {
    throw new ProbeFailed(why);
  },
});

async function ingestProbes(target: SmokeTarget): Promise<{ probes: Probe[]; skipped: ProbeResult[] }> {
  const protocols: IngestProtocol[] = ["rtmps", "srt"];
  const all = (why: string) => ({
    probes: protocols.map((p) => cannotRun(`probe-ingest ${p}`, why)),
    skipped: [],
  });
  if (!target.probe) return all("the stack has no probe input (realtime-stack:probe.enabled is false)");
  if (!target.cloudflare)
    return all("the probe deletes its recordings with the deploy token, which is not at hand");
  const tools = await findMediaTools();
  if ("missing" in tools) return all(tools.missing);
  // The first broadcast of the run sweeps the recordings older than a day; the next has none left.
  const probe = (protocol: IngestProtocol, i: number) =>
    ingestProbe({
      workerUrl: target.workerUrl,
      probe: target.probe!,
      protocol,
      tools,
      cloudflare: target.cloudflare!,
      sweepExpired: i === 0,
    });
  if (tools.srt) return { probes: protocols.map(probe), skipped: [] };
  return {
    probes: [probe("rtmps", 0)],
    skipped: [
      {
        name: "probe-ingest srt",
        status: "skipped",
        durationMs: 0,
        latencies: [],
        cloudflareWaitMs: 0,
        detail: "this ffmpeg has no libsrt",
      },
    ],
  };
}

/**
 * Runs the selected probes: the broadcasts one after the other (one broadcaster per input), the
 * calls one after the other beside them. Resolves with every result; never rejects.
 */
export async function runProbes(
  target: SmokeTarget,
  selection: ProbeSelection,
  options: ProbeRunOptions,
  progress: Progress,
): Promise<ProbeResult[]> {
  const media = (relay: boolean) =>
    mediaProbe({
      workerUrl: target.workerUrl,
      tenant: target.tenants[0],
      relay,
      loopback: isLoopback(target.workerUrl),
      ...(target.expectSfuAppId ? { expectAppId: target.expectSfuAppId } : {}),
    });
  const ingest = selection.ingest ? await ingestProbes(target) : { probes: [], skipped: [] };
  const calls = [...(selection.media ? [media(false)] : []), ...(selection.turn ? [media(true)] : [])];
  for (const probe of [...ingest.probes, ...calls])
    progress.set({ name: probe.name, status: "pending", attempts: 0 });
  for (const s of ingest.skipped)
    progress.set({ name: s.name, status: "skipped", attempts: 0, detail: s.detail ?? "" });
  const lane = async (probes: Probe[]) => {
    const results: ProbeResult[] = [];
    for (const probe of probes) results.push(await runProbe(probe, options, progress));
    return results;
  };
  const [broadcasts, sessions] = await Promise.all([lane(ingest.probes), lane(calls)]);
  return [...broadcasts, ...ingest.skipped, ...sessions];
}
