import type { Hono } from "hono";
import { API_ROUTES } from "../../../contracts/api/routes.ts";
import type { LiveInput } from "../../../contracts/cloudflare/stream.ts";
import { channelOf, statusView } from "../channels.ts";
import { NEEDS, requireConfig } from "../config.ts";
import { statusHolder } from "../durable/channel-status.ts";
import { snapshotOf } from "../durable/status-snapshot.ts";
import type { AppEnv } from "../env.ts";
import { mount } from "../mount.ts";
import { UpstreamError, type UpstreamOptions } from "../upstream/http.ts";
import { StreamClient } from "../upstream/stream.ts";

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
