import { type ChannelStatusView, type IngestDetails, MASKED_STREAM_KEY } from "#contracts/api/stream.ts";
import type { LiveInput } from "#contracts/cloudflare/stream.ts";
import type { DeclaredOutput } from "#contracts/worker/tenant-map.ts";
import { ApiError } from "./api-error.ts";
import type { LiveInputSnapshot } from "./durable/status-snapshot.ts";
import type { Tenant } from "./tenants.ts";

/** A channel's live input, where Stream delivers it, whether it plays only signed, and where it is restreamed to. */
export interface ChannelBinding {
  liveInputId: string;
  playbackBase: string;
  signed: boolean;
  outputs: DeclaredOutput[];
}

/** The tenant's own channel; another tenant's channel is as absent as a made-up one. */
export function channelOf(tenant: Tenant, channel: string): ChannelBinding {
  const liveInputId = Object.hasOwn(tenant.channels, channel) ? tenant.channels[channel] : undefined;
  if (!liveInputId) throw new ApiError("channel_not_found", `This tenant has no channel named ${channel}`);
  const outputs = Object.hasOwn(tenant.outputs, channel) ? tenant.outputs[channel]! : [];
  return { liveInputId, playbackBase: tenant.playbackBase, signed: tenant.signed.includes(channel), outputs };
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

/**
 * A channel's status as the API answers it, from what the channel status object knows about its live input. Its
 * outputs are the stack's declaration, compiled into the Worker: reading them from Cloudflare
 * would cost one API call per channel per read out of the Worker's budget (already spent on status
 * at scale), and they change only with `pulumi up`, which deploys a new map with them.
 */
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
    signed: binding.signed,
    outputs: binding.outputs.map((o) => ({
      name: o.name,
      url: o.url,
      enabled: o.enabled ?? true,
      stream_key: MASKED_STREAM_KEY,
    })),
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
