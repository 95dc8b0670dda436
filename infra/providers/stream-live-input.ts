import * as pulumi from "@pulumi/pulumi";
import type { LiveInputRecording } from "#contracts/cloudflare/stream.ts";
import { DYNAMIC_MODULE, DYNAMIC_TYPES } from "../type-tokens.ts";
import { providerOf, unsetOutputs } from "./provider-of.ts";

export interface StreamLiveInputArgs {
  accountId: pulumi.Input<string>;
  /** Free key/value data Cloudflare keeps with the input (the dashboard shows `name`). */
  meta: pulumi.Input<Record<string, pulumi.Input<string | boolean>>>;
  enabled: pulumi.Input<boolean>;
  /** `mode: "automatic"` records, and is what HLS and DASH playback need. */
  recording: pulumi.Input<{ mode: LiveInputRecording["mode"] } & Partial<Omit<LiveInputRecording, "mode">>>;
  preferLowLatency?: pulumi.Input<boolean>;
  /** At least 30 (Cloudflare's minimum); applies to recordings made from then on. */
  deleteRecordingAfterDays?: pulumi.Input<number>;
  /** Take over this existing input instead of creating one (read when the resource is created). */
  adopt?: pulumi.Input<{ uid: pulumi.Input<string> }>;
}

/** The ingest credentials: Pulumi keeps them encrypted in the state. */
const SECRET_OUTPUTS = ["streamKey", "srtPassphrase", "whipUrl"];
const OUTPUTS = [
  "uid",
  "rtmpsUrl",
  "srtUrl",
  "srtStreamId",
  "whepUrl",
  "created",
  "modified",
  ...SECRET_OUTPUTS,
];

/**
 * A Cloudflare Stream live input, managed by this project's own provider (host/live-input.ts):
 * updated in place, refreshed and deleted by its uid.
 */
export class StreamLiveInput extends pulumi.dynamic.Resource {
  declare readonly uid: pulumi.Output<string>;
  declare readonly rtmpsUrl: pulumi.Output<string>;
  declare readonly streamKey: pulumi.Output<string>;
  declare readonly srtUrl: pulumi.Output<string>;
  declare readonly srtStreamId: pulumi.Output<string>;
  declare readonly srtPassphrase: pulumi.Output<string>;
  /** WHIP: the URL embeds the input's secret, whoever has it can publish. */
  declare readonly whipUrl: pulumi.Output<string>;
  /** WHEP playback. */
  declare readonly whepUrl: pulumi.Output<string>;

  constructor(name: string, args: StreamLiveInputArgs, opts: pulumi.CustomResourceOptions = {}) {
    super(
      providerOf("liveInput"),
      name,
      { ...args, ...unsetOutputs(OUTPUTS) },
      { ...opts, additionalSecretOutputs: [...SECRET_OUTPUTS, ...(opts.additionalSecretOutputs ?? [])] },
      DYNAMIC_MODULE,
      DYNAMIC_TYPES.streamLiveInput,
    );
  }
}
