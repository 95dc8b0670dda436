import type { LiveInput } from "../../../contracts/cloudflare/stream.ts";
import type { StatusShape } from "../../core/config.ts";
import { now } from "../../core/ids.ts";
import type { StoredLiveInput } from "./store.ts";

/** What a live input's view depends on besides the input. */
export interface LiveInputViewContext {
  /** Where Stream delivery (playback, lifecycle) is served locally: stands in for customer-<code>.cloudflarestream.com. */
  deliveryBase: string;
  statusShape: StatusShape;
}

function statusValue(input: Readonly<StoredLiveInput>, shape: StatusShape): LiveInput["status"] {
  if (shape === "string") return input.state;
  if (input.state === null) return { current: null, history: [] };
  return {
    current: {
      state: input.state === "client_disconnect" ? "disconnected" : input.state,
      reason: input.state,
      statusEnteredAt: input.stateEnteredAt ?? input.created,
      statusLastSeen: now(),
      ingestProtocol: "rtmp",
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
    rtmps: { url: "rtmps://live.cloudflare.com:443/live/", streamKey: input.streamKey },
    rtmpsPlayback: { url: "rtmps://live.cloudflare.com:443/live/", streamKey: input.playbackKey },
    srt: {
      url: "srt://live.cloudflare.com:778",
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
