import type { ChannelStatusView, IngestDetails } from "#contracts/api/stream.ts";
import type { LiveInput } from "#contracts/cloudflare/stream.ts";
import { ApiError } from "./api-error.ts";
import type { LiveInputSnapshot } from "./durable/status-snapshot.ts";
import type { Tenant } from "./tenants.ts";

/** A channel's live input, and where Stream delivers it. */
export interface ChannelBinding {
  liveInputId: string;
  playbackBase: string;
}

/** The tenant's own channel; another tenant's channel is as absent as a made-up one. */
export function channelOf(tenant: Tenant, channel: string): ChannelBinding {
  const liveInputId = Object.hasOwn(tenant.channels, channel) ? tenant.channels[channel] : undefined;
  if (!liveInputId) throw new ApiError("channel_not_found", `This tenant has no channel named ${channel}`);
  return { liveInputId, playbackBase: tenant.playbackBase };
}

/** Where a channel plays, with `id` (its live input's uid, or a playback token) in the path. */
export function playbackUrlsOf(binding: ChannelBinding, id: string): ChannelStatusView["playback"] {
  const base = `${binding.playbackBase.replace(/\/+$/, "")}/${id}`;
  return {
    hls: `${base}/manifest/video.m3u8`,
    dash: `${base}/manifest/video.mpd`,
    whep: `${base}/webRTC/play`,
    thumbnail: `${base}/thumbnails/thumbnail.jpg`,
  };
}

/** A channel's status as the API answers it, from what the holder knows about its live input. */
export function statusView(
  channel: string,
  binding: ChannelBinding,
  snapshot: LiveInputSnapshot,
  stale: boolean,
): ChannelStatusView {
  return {
    channel,
    live_input_id: binding.liveInputId,
    connected: snapshot.connected,
    state: snapshot.state,
    enabled: snapshot.enabled,
    checked_at: snapshot.checkedAt,
    stale,
    error: snapshot.error ?? null,
    playback: playbackUrlsOf(binding, binding.liveInputId),
    ...(snapshot.viewers !== undefined ? { viewers: snapshot.viewers } : {}),
  };
}

/** A live input's ingest details as the API answers them: credentials, for connect alone. */
export function ingestView(input: LiveInput): IngestDetails {
  return {
    rtmps: { url: input.rtmps.url, stream_key: input.rtmps.streamKey },
    srt: { url: input.srt.url, stream_id: input.srt.streamId, passphrase: input.srt.passphrase },
    whip: { url: input.webRTC.url },
  };
}
