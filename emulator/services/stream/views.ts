import type { LiveInput } from "#contracts/cloudflare/stream.ts";
import type { StatusShape } from "../../core/config.ts";
import { now } from "../../core/ids.ts";
import type { StoredLiveInput } from "./store.ts";

/** Where broadcasters send RTMPS and SRT: Cloudflare's hosts, or the local media plane's ports. */
export interface IngestUrls {
  /** The RTMPS server URL, ending in `/live/`, that the stream key is appended to. */
  rtmps: string;
  /** The SRT URL a caller dials for this input (the local media plane listens on a port per input); undefined: Cloudflare's. */
  srt(uid: string): string | undefined;
}

/** Cloudflare's ingest hosts (docs/reference/media-and-providers.md §2), when nothing serves ingest locally. */
export const CLOUDFLARE_INGEST: IngestUrls = {
  rtmps: "rtmps://live.cloudflare.com:443/live/",
  srt: () => "srt://live.cloudflare.com:778",
};

/** What a live input's view depends on besides the input. */
export interface LiveInputViewContext {
  /** Where Stream delivery (playback, lifecycle) is served locally: stands in for customer-<code>.cloudflarestream.com. */
  deliveryBase: string;
  statusShape: StatusShape;
  ingest: IngestUrls;
}

function statusValue(
  input: Readonly<StoredLiveInput>,
  shape: StatusShape,
): NonNullable<LiveInput["status"]> | null {
  if (shape === "string") return input.state;
  if (input.state === null) return { current: null, history: [] };
  return {
    current: {
      state: input.state === "client_disconnect" ? "disconnected" : input.state,
      reason: input.state,
      statusEnteredAt: input.stateEnteredAt ?? input.created,
      statusLastSeen: now(),
      ingestProtocol: input.ingestProtocol ?? "rtmp",
    },
    history: input.history,
  };
}

/** The full object that create, get and update return. */
export function liveInputView(input: Readonly<StoredLiveInput>, ctx: LiveInputViewContext): LiveInput {
  return {
    uid: input.uid,
    created: input.created,
    modified: input.modified,
    meta: input.meta,
    enabled: input.enabled,
    deleteRecordingAfterDays: input.deleteRecordingAfterDays,
    preferLowLatency: input.preferLowLatency,
    ...(input.keysRotatedAt ? { keysRotatedAt: input.keysRotatedAt } : {}),
    recording: input.recording,
    rtmps: { url: ctx.ingest.rtmps, streamKey: input.streamKey },
    rtmpsPlayback: { url: ctx.ingest.rtmps, streamKey: input.playbackKey },
    srt: {
      url: ctx.ingest.srt(input.uid) ?? CLOUDFLARE_INGEST.srt(input.uid)!,
      streamId: input.srtStreamId,
      passphrase: input.srtPassphrase,
    },
    srtPlayback: {
      url: "srt://live.cloudflare.com:778",
      streamId: input.srtPlaybackStreamId,
      passphrase: input.srtPlaybackPassphrase,
    },
    webRTC: { url: `${ctx.deliveryBase}/${input.whipSecret}/webRTC/publish` },
    webRTCPlayback: { url: `${ctx.deliveryBase}/${input.uid}/webRTC/play` },
    status: statusValue(input, ctx.statusShape),
  };
}
