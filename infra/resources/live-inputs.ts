import * as pulumi from "@pulumi/pulumi";
import type { ChannelConfig } from "../config.ts";
import { type PlaybackUrls, playbackBase, playbackUrls } from "../playback.ts";
import { StreamLiveInput, type StreamLiveInputArgs } from "../providers/stream-live-input.ts";

export interface LiveInputArgs {
  accountId: string;
  stack: string;
  tenantId: string;
  channel: ChannelConfig;
  /** An existing input to take over instead of creating one (`realtime-stack:adopt.liveInputs`). */
  adoptUid?: string;
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

const adopt = (uid: string | undefined): Pick<StreamLiveInputArgs, "adopt"> =>
  uid ? { adopt: { uid } } : {};

/**
 * The published side of an input: its id, where it plays, and its ingest details. The credentials
 * are secret outputs of the resource already; wrapping them again keeps them secret wherever the
 * program runs, mocks included (which do not apply additionalSecretOutputs).
 */
export function channelOutputs(input: StreamLiveInput): ChannelLiveInput {
  const base = pulumi.all([input.whepUrl, input.uid]).apply(([whep, uid]) => playbackBase(whep, uid));
  return {
    liveInputId: input.uid,
    playbackBase: base,
    ingest: {
      rtmpsUrl: input.rtmpsUrl,
      srtUrl: input.srtUrl,
      srtStreamId: input.srtStreamId,
      whipUrl: pulumi.secret(input.whipUrl),
    },
    streamKey: pulumi.secret(input.streamKey),
    srtPassphrase: pulumi.secret(input.srtPassphrase),
    playback: pulumi.all([base, input.uid]).apply(([b, uid]) => playbackUrls(b, uid)),
  };
}

/** A Stream live input for one channel; the provider keeps the ingest credentials secret. */
export function createLiveInput(
  prefix: string,
  args: LiveInputArgs,
  opts: pulumi.CustomResourceOptions,
): ChannelLiveInput {
  const { accountId, stack, tenantId, channel } = args;
  const input = new StreamLiveInput(
    liveInputName(prefix, tenantId, channel.name),
    {
      accountId,
      meta: { name: `${stack}/${tenantId}/${channel.name}`, stack, tenant: tenantId, channel: channel.name },
      enabled: true,
      // A private channel plays only through signed URLs, and so do its recordings (§11.3); a
      // hidden viewer count is a recording setting too (§12).
      recording: {
        mode: channel.recording ? "automatic" : "off",
        requireSignedURLs: channel.playback === "signed",
        hideLiveViewerCount: channel.hideLiveViewerCount,
      },
      preferLowLatency: channel.lowLatency,
      ...adopt(args.adoptUid),
    },
    opts,
  );
  return channelOutputs(input);
}

interface ProbeLiveInputArgs {
  accountId: string;
  stack: string;
  adoptUid?: string;
}

/** Cloudflare's minimum: a shorter retention is refused (docs/reference/cloudflare-api.md §1.2). */
const PROBE_RECORDING_DAYS = 30;

/**
 * The stack's own input for post-deploy probes: not a tenant channel, so a probe never touches
 * what a tenant's viewers watch. Recorded, because HLS exists only with automatic recording.
 */
export function createProbeLiveInput(
  prefix: string,
  args: ProbeLiveInputArgs,
  opts: pulumi.CustomResourceOptions,
): StreamLiveInput {
  return new StreamLiveInput(
    `${prefix}-probe-live`,
    {
      accountId: args.accountId,
      meta: { name: `${args.stack}/probe`, stack: args.stack, probe: true },
      enabled: true,
      recording: { mode: "automatic" },
      preferLowLatency: false,
      deleteRecordingAfterDays: PROBE_RECORDING_DAYS,
      ...adopt(args.adoptUid),
    },
    opts,
  );
}
