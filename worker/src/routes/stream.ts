import type { Hono } from "hono";
import { API_ROUTES } from "../../../contracts/api/routes.ts";
import type { ChannelStatus } from "../../../contracts/api/stream.ts";
import type { LiveInput } from "../../../contracts/cloudflare/stream.ts";
import type { TenantBinding } from "../../../contracts/worker/bindings.ts";
import { ApiError } from "../api-error.ts";
import { NEEDS, requireConfig } from "../config.ts";
import { type LiveInputSnapshot, snapshotOf } from "../durable/status-snapshot.ts";
import type { AppEnv, WorkerBindings } from "../env.ts";
import type { Tenant } from "../middleware/tenant-auth.ts";
import { mount } from "../mount.ts";
import { UpstreamError, type UpstreamOptions } from "../upstream/http.ts";
import { StreamClient } from "../upstream/stream.ts";

type ChannelBinding = TenantBinding["channels"][string];

/** The tenant's own channel; another tenant's channel is as absent as a made-up one. */
function channelOf(tenant: Tenant, channel: string): ChannelBinding {
  const binding = Object.hasOwn(tenant.channels, channel) ? tenant.channels[channel] : undefined;
  if (!binding) throw new ApiError("channel_not_found", `This tenant has no channel named ${channel}`);
  return binding;
}

const statusHolder = (env: WorkerBindings, liveInputId: string) =>
  env.CHANNEL_STATUS.get(env.CHANNEL_STATUS.idFromName(liveInputId));

function statusView(channel: string, binding: ChannelBinding, snapshot: LiveInputSnapshot): ChannelStatus {
  const base = `${binding.playbackBase.replace(/\/+$/, "")}/${binding.liveInputId}`;
  return {
    channel,
    live_input_id: binding.liveInputId,
    connected: snapshot.connected,
    state: snapshot.state,
    enabled: snapshot.enabled,
    checked_at: snapshot.checkedAt,
    playback: {
      hls: `${base}/manifest/video.m3u8`,
      dash: `${base}/manifest/video.mpd`,
      whep: `${base}/webRTC/play`,
    },
  };
}

function ingestOf(input: LiveInput) {
  return {
    rtmps: { url: input.rtmps.url, stream_key: input.rtmps.streamKey },
    srt: { url: input.srt.url, stream_id: input.srt.streamId, passphrase: input.srt.passphrase },
    whip: { url: input.webRTC.url },
  };
}

export function streamRoutes(app: Hono<AppEnv>, upstream: UpstreamOptions = {}): void {
  mount(app, API_ROUTES.streamStatus, async (c, { query }) => {
    requireConfig(c.env, NEEDS.stream);
    const binding = channelOf(c.get("tenant"), query.channel);
    const result = await statusHolder(c.env, binding.liveInputId).current(binding.liveInputId);
    if (!result.ok) throw UpstreamError.fromJSON(result.error);
    return statusView(query.channel, binding, result.snapshot);
  });

  mount(app, API_ROUTES.streamConnect, async (c, { body }) => {
    const stream = new StreamClient(requireConfig(c.env, NEEDS.stream), upstream);
    const binding = channelOf(c.get("tenant"), body.channel);
    const current = await stream.getLiveInput(binding.liveInputId);
    const input = current.enabled ? current : await stream.enableLiveInput(binding.liveInputId);
    const snapshot = snapshotOf(input, new Date());
    await statusHolder(c.env, binding.liveInputId).record(snapshot);
    return {
      reenabled: !current.enabled,
      ingest: ingestOf(input),
      status: statusView(body.channel, binding, snapshot),
    };
  });
}
