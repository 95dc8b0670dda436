import { ApiError, createServerClient } from "#client/server.ts";
import { type LiveInput, liveInput } from "#contracts/cloudflare/stream.ts";
import type { ProbeInput } from "../smoke/target.ts";
import { type Broadcast, type MediaTools, probePlayable, startBroadcast } from "./ffmpeg.ts";
import { type Probe, type ProbeContext, ProbeFailed, waitFor } from "./probe.ts";
import { deleteRecordings, expired, listRecordings, madeSince, type ProbeRecordings } from "./recordings.ts";

export type IngestProtocol = "rtmps" | "srt";

export interface IngestProbeOptions {
  workerUrl: string;
  probe: ProbeInput;
  protocol: IngestProtocol;
  tools: MediaTools;
  /** The account's API with the deploy token: the probe deletes its recordings with it. */
  cloudflare: { client: ProbeRecordings["client"]; accountId: string };
  /** First delete the probe input's recordings older than a day: one probe per run does. */
  sweepExpired: boolean;
}

/** ffprobe reads a manifest and a segment: a few seconds, more on Cloudflare's edge. */
const FFPROBE_TIMEOUT_MS = 15_000;

function ingestUrl(input: LiveInput, protocol: IngestProtocol): string {
  if (protocol === "rtmps") return `${input.rtmps.url}${input.rtmps.streamKey}`;
  const query = new URLSearchParams({ streamid: input.srt.streamId, passphrase: input.srt.passphrase });
  return `${input.srt.url}?${query}`;
}

/** A media playlist that lists a segment: the manifest itself, or its first variant's. */
async function listsSegment(manifestUrl: string, signal: AbortSignal): Promise<boolean> {
  const res = await fetch(manifestUrl, { signal });
  if (res.status !== 200) {
    await res.body?.cancel();
    throw new Error(`the manifest answers ${res.status}`);
  }
  const text = await res.text();
  if (text.includes("#EXTINF")) return true;
  const variant = text.split("\n").find((l) => l.trim() !== "" && !l.startsWith("#"));
  if (!text.includes("#EXT-X-STREAM-INF") || !variant) throw new Error("the manifest lists no segment yet");
  return listsSegment(new URL(variant.trim(), manifestUrl).href, signal);
}

/**
 * `smoke --probe-ingest`: a short broadcast to the stack's probe input (never a tenant's channel),
 * as a broadcaster would send it. Passes when the Worker's own probe status says connected (Stream
 * → Worker), the probe input's HLS manifest serves a segment ffprobe decodes, and, once ffmpeg
 * stops, the Worker says not connected again. Its recording is deleted, once, by its cleanup or by
 * its summary, whichever comes first.
 */
export function ingestProbe(options: IngestProbeOptions): Probe {
  const { probe, protocol, tools } = options;
  const api = createServerClient({ baseUrl: options.workerUrl });
  const recordings: ProbeRecordings = { ...options.cloudflare, liveInputId: probe.liveInputId };
  const status = (signal: AbortSignal) =>
    api
      .probe(probe.key)
      .probeStatus({}, { signal })
      .catch((e: unknown) => {
        if (e instanceof ApiError && (e.status === 401 || e.status === 403 || e.status === 404)) {
          throw new ProbeFailed(`the Worker's probe status refused the probe key: ${e.message}`);
        }
        throw e;
      });

  return {
    name: `probe-ingest ${protocol}`,
    async run(ctx: ProbeContext) {
      const swept = options.sweepExpired
        ? await deleteRecordings(recordings, expired(await listRecordings(recordings)))
        : [];
      // The input as Cloudflare holds it now, not as the outputs recorded it or the Worker last read
      // it: a stream-key rotation (an emergency rotates the probe input's too) changes its
      // credentials at the source, and an input disabled since the Worker's last read refuses ingest.
      // Each broadcast of a run reads it again (one call), since it may change between the two.
      const input = await options.cloudflare.client.call(
        "GET",
        `/accounts/${options.cloudflare.accountId}/stream/live_inputs/${probe.liveInputId}`,
        liveInput,
        undefined,
        { signal: ctx.signal },
      );
      if (!input.enabled) {
        throw new ProbeFailed(
          `the probe input ${probe.liveInputId} is disabled: a broadcaster cannot go live on it (enable it, or deploy again)`,
        );
      }
      const before = await waitFor(ctx, "reading the probe input's status from the Worker", status);
      if (before.connected) {
        throw new ProbeFailed(
          `the probe input ${probe.liveInputId} is already live: is another probe running?`,
        );
      }

      const startedAt = Date.now();
      const broadcast = startBroadcast(
        tools,
        ingestUrl(input, protocol),
        protocol === "rtmps" ? "flv" : "mpegts",
        ctx.deadline - startedAt,
      );
      const seen = new Set<string>();
      let deleted: string[] | undefined;
      // Kept once done: the summary deletes to count them, the cleanup then has nothing to repeat.
      const deleteOwn = async () =>
        (deleted ??= await deleteRecordings(
          recordings,
          madeSince(await listRecordings(recordings), startedAt, seen),
        ));
      ctx.cleanups.add("stop ffmpeg", () => broadcast.stop());
      ctx.cleanups.add("delete the probe's recordings", deleteOwn);
      const start = ctx.elapsed();

      await waitFor(ctx, "the Worker reporting the probe input connected", async (signal) => {
        await refusal(broadcast, protocol);
        const s = await status(signal);
        if (!s.enabled)
          throw new ProbeFailed(`the probe input ${probe.liveInputId} was disabled during the broadcast`);
        return s.connected ? s : undefined;
      });
      ctx.mark("connected", { cloudflare: true, since: start });
      for (const video of await listRecordings(recordings)) {
        if (video.status?.state === "live-inprogress") seen.add(video.uid);
      }

      await waitFor(ctx, "the probe input's HLS manifest listing a segment", async (signal) => {
        await refusal(broadcast, protocol);
        return (await listsSegment(probe.playback.hls, signal)) || undefined;
      });
      ctx.mark("first segment", { cloudflare: true });
      const playable = await waitFor(
        ctx,
        "ffprobe decoding the probe input's HLS",
        async () => {
          await refusal(broadcast, protocol);
          const result = await probePlayable(tools, probe.playback.hls, FFPROBE_TIMEOUT_MS);
          if (!result.ok) throw new Error(result.reason);
          return result.streams;
        },
        500,
      );
      ctx.mark("playable");

      await broadcast.stop();
      const stoppedAt = ctx.mark("ffmpeg stopped");
      await waitFor(ctx, "the Worker reporting the probe input not connected", async (signal) => {
        const s = await status(signal);
        return s.connected ? undefined : s;
      });
      ctx.mark("disconnected", { cloudflare: true, since: stoppedAt });

      const own = await deleteOwn();
      return [
        `live input ${probe.liveInputId} over ${protocol.toUpperCase()}: connected, HLS plays (${playable.video}${playable.audio ? ` + ${playable.audio}` : ""}, ${playable.frames} frames decoded), disconnected`,
        `${own.length} recording(s) deleted${swept.length > 0 ? `, ${swept.length} older than a day swept` : ""}`,
      ].join("; ");
    },
  };
}

/** ffmpeg gone before the probe stopped it: the ingest refused it or dropped it. */
async function refusal(broadcast: Broadcast, protocol: IngestProtocol): Promise<void> {
  if (broadcast.running()) return;
  throw new ProbeFailed(
    `${protocol.toUpperCase()} ingest refused or dropped the broadcast: ${await broadcast.exitReason()}`,
  );
}
