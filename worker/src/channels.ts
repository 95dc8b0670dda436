import type { ChannelStatusView } from "../../contracts/api/stream.ts";
import type { TenantBinding, TenantMap } from "../../contracts/worker/bindings.ts";
import { ApiError } from "./api-error.ts";
import type { LiveInputSnapshot } from "./durable/status-snapshot.ts";
import type { Tenant } from "./tenants.ts";

export type ChannelBinding = TenantBinding["channels"][string];

/** The tenant's own channel; another tenant's channel is as absent as a made-up one. */
export function channelOf(tenant: Tenant, channel: string): ChannelBinding {
  const binding = Object.hasOwn(tenant.channels, channel) ? tenant.channels[channel] : undefined;
  if (!binding) throw new ApiError("channel_not_found", `This tenant has no channel named ${channel}`);
  return binding;
}

/** Every live input any tenant's channel uses, once each. */
export const liveInputIds = (tenants: TenantMap): Set<string> =>
  new Set(
    Object.values(tenants).flatMap((tenant) => Object.values(tenant.channels).map((c) => c.liveInputId)),
  );

/** Whether any channel of any tenant uses the live input. */
export const servesLiveInput = (tenants: TenantMap, liveInputId: string) =>
  liveInputIds(tenants).has(liveInputId);

/** A channel's status as the API answers it, from what the holder knows about its live input. */
export function statusView(
  channel: string,
  binding: ChannelBinding,
  snapshot: LiveInputSnapshot,
): ChannelStatusView {
  const base = `${binding.playbackBase.replace(/\/+$/, "")}/${binding.liveInputId}`;
  return {
    channel,
    live_input_id: binding.liveInputId,
    connected: snapshot.connected,
    state: snapshot.state,
    enabled: snapshot.enabled,
    checked_at: snapshot.checkedAt,
    error: snapshot.error ?? null,
    playback: {
      hls: `${base}/manifest/video.m3u8`,
      dash: `${base}/manifest/video.mpd`,
      whep: `${base}/webRTC/play`,
    },
  };
}
