import * as pulumi from "@pulumi/pulumi";
import { DYNAMIC_MODULE, DYNAMIC_TYPES } from "../type-tokens.ts";
import { providerOf, unsetOutputs } from "./provider-of.ts";

export interface StreamLiveInputOutputArgs {
  accountId: pulumi.Input<string>;
  /** The live input whose broadcasts are forwarded. */
  liveInputId: pulumi.Input<string>;
  /** Where to: an rtmp://, rtmps:// or srt:// URL, without credentials. Changing it replaces the output. */
  url: pulumi.Input<string>;
  /** The target's stream key: kept secret in the state. Changing it replaces the output. */
  streamKey: pulumi.Input<string>;
  /** Whether broadcasts are forwarded; the one setting Cloudflare updates in place. */
  enabled: pulumi.Input<boolean>;
}

/**
 * A live input's output (simulcast target), managed by this project's own provider
 * (host/live-input-output.ts): Terraform and @pulumi/cloudflare have no resource for it
 * (docs/reference/cloudflare-api.md §1.8).
 */
export class StreamLiveInputOutput extends pulumi.dynamic.Resource {
  declare readonly uid: pulumi.Output<string>;
  declare readonly streamKey: pulumi.Output<string>;
  declare readonly enabled: pulumi.Output<boolean>;

  constructor(name: string, args: StreamLiveInputOutputArgs, opts: pulumi.CustomResourceOptions = {}) {
    super(
      providerOf("liveInputOutput"),
      name,
      { ...args, streamKey: pulumi.secret(args.streamKey), ...unsetOutputs(["uid"]) },
      { ...opts, additionalSecretOutputs: ["streamKey", ...(opts.additionalSecretOutputs ?? [])] },
      DYNAMIC_MODULE,
      DYNAMIC_TYPES.streamLiveInputOutput,
    );
  }
}
