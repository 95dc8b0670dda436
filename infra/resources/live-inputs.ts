import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import type { ChannelConfig } from "../config.ts";
import { type PlaybackUrls, playbackBase, playbackUrls } from "../playback.ts";

export interface LiveInputArgs {
  accountId: string;
  stack: string;
  tenantId: string;
  channel: ChannelConfig;
}

/** One tenant channel's live input, as the Worker binds it and as the stack outputs publish it. */
export interface ChannelLiveInput {
  liveInputId: pulumi.Output<string>;
  /** Where Stream delivers this input; the Worker builds playback URLs from it. */
  playbackBase: pulumi.Output<string>;
  ingest: {
    rtmpsUrl: pulumi.Output<string>;
    srtUrl: pulumi.Output<string>;
    srtStreamId: pulumi.Output<string>;
    /** The WHIP URL embeds the input's secret: whoever has it can publish. */
    whipUrl: pulumi.Output<string>;
  };
  streamKey: pulumi.Output<string>;
  srtPassphrase: pulumi.Output<string>;
  playback: pulumi.Output<PlaybackUrls>;
}

/** Tenant ids and channel names cannot contain "/", so no two channels share a logical name. */
const liveInputName = (prefix: string, tenantId: string, channelName: string) =>
  `${prefix}-live-${tenantId}/${channelName}`;

/**
 * A Stream live input for one channel. The provider does not mark the ingest credentials secret,
 * so they are wrapped here; the playback side is public by design and explicitly kept plain.
 */
export function createLiveInput(
  prefix: string,
  args: LiveInputArgs,
  opts: pulumi.CustomResourceOptions,
): ChannelLiveInput {
  const { accountId, stack, tenantId, channel } = args;
  const input = new cloudflare.StreamLiveInput(
    liveInputName(prefix, tenantId, channel.name),
    {
      accountId,
      meta: JSON.stringify({
        name: `${stack}/${tenantId}/${channel.name}`,
        stack,
        tenant: tenantId,
        channel: channel.name,
      }),
      enabled: true,
      recording: { mode: channel.recording ? "automatic" : "off" },
      preferLowLatency: channel.lowLatency,
    },
    opts,
  );
  const base = pulumi.unsecret(
    pulumi.all([input.webRtcPlayback, input.uid]).apply(([whep, uid]) => playbackBase(whep.url, uid)),
  );
  return {
    liveInputId: input.uid,
    playbackBase: base,
    ingest: {
      rtmpsUrl: pulumi.unsecret(input.rtmps.url),
      srtUrl: pulumi.unsecret(input.srt.url),
      srtStreamId: input.srt.streamId,
      whipUrl: pulumi.secret(input.webRtc.url),
    },
    streamKey: pulumi.secret(input.rtmps.streamKey),
    srtPassphrase: pulumi.secret(input.srt.passphrase),
    playback: pulumi.all([base, input.uid]).apply(([b, uid]) => playbackUrls(b, uid)),
  };
}
