import type { LiveInput } from "../contracts/cloudflare/stream.ts";
import type { EmulatorServices, StatusShape } from "./context.ts";
import { newHexSecret, newTag, now } from "./ids.ts";
import { eventForState } from "./notify.ts";
import type { StoredLiveInput } from "./state.ts";

/** Where Stream delivery (playback, lifecycle) is served locally: stands in for customer-<code>.cloudflarestream.com. */
const deliveryBase = (s: EmulatorServices) => `${s.baseUrl()}/delivery/customer-${s.state.data.customerCode}`;

export function newCredentials(): Pick<
  StoredLiveInput,
  | "streamKey"
  | "playbackKey"
  | "srtStreamId"
  | "srtPassphrase"
  | "srtPlaybackStreamId"
  | "srtPlaybackPassphrase"
  | "whipSecret"
> {
  return {
    streamKey: newHexSecret().slice(0, 32) + "k" + newTag(),
    playbackKey: newHexSecret().slice(0, 32) + "p" + newTag(),
    srtStreamId: newTag(),
    srtPassphrase: newHexSecret().slice(0, 32),
    srtPlaybackStreamId: newTag(),
    srtPlaybackPassphrase: newHexSecret().slice(0, 32),
    whipSecret: newHexSecret(),
  };
}

function statusValue(input: StoredLiveInput, shape: StatusShape): LiveInput["status"] {
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
export function toLiveInput(input: StoredLiveInput, s: EmulatorServices): LiveInput {
  const delivery = deliveryBase(s);
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
    webRTC: { url: `${delivery}/${input.whipSecret}/webRTC/publish` },
    webRTCPlayback: { url: `${delivery}/${input.uid}/webRTC/play` },
    status: statusValue(input, s.config.statusShape),
  };
}

/**
 * Moves a live input to a new connection state, as a broadcaster connecting or dropping would,
 * and posts the matching notification to configured webhooks.
 */
export function setConnectionState(
  s: EmulatorServices,
  input: StoredLiveInput,
  state: string | null,
  error?: { code: string; message: string },
): void {
  const at = now();
  input.state = state;
  input.stateEnteredAt = at;
  if (state !== null) input.history = [{ state, statusEnteredAt: at }, ...input.history].slice(0, 20);
  const live = state === "connected" || state === "reconnected";
  input.currentVideoUid = live ? (input.currentVideoUid ?? newTag()) : null;
  s.state.persist();
  const event = eventForState(state, error !== undefined);
  if (event) s.notifier.notify(input, event, error);
}
