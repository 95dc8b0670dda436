import type * as pulumi from "@pulumi/pulumi";
import { type OutputConfig, outputKeyName } from "../config.ts";
import { StreamLiveInputOutput } from "../providers/stream-live-input-output.ts";

export interface RestreamOutputsArgs {
  accountId: string;
  tenantId: string;
  channel: string;
  liveInputId: pulumi.Output<string>;
  outputs: OutputConfig[];
  /** Each output's stream key (a Pulumi secret), by `<tenant>/<channel>/<output>`. */
  streamKeys: Record<string, pulumi.Output<string>>;
}

/**
 * A channel's restream outputs, one Cloudflare output each (docs/reference/cloudflare-api.md §1.8).
 * The logical name holds the tenant, channel and output names, none of which may contain "/", so
 * renaming an output replaces it while changing its url or key replaces it under the same name.
 */
export function createRestreamOutputs(
  prefix: string,
  args: RestreamOutputsArgs,
  opts: pulumi.CustomResourceOptions,
): Record<string, pulumi.Output<string>> {
  return Object.fromEntries(
    args.outputs.map((output) => {
      const keyName = outputKeyName(args.tenantId, args.channel, output.name);
      const streamKey = args.streamKeys[keyName];
      // The config check refuses an output without a key before anything is registered.
      if (!streamKey) throw new Error(`output ${keyName} has no stream key`);
      const resource = new StreamLiveInputOutput(
        `${prefix}-output-${keyName}`,
        {
          accountId: args.accountId,
          liveInputId: args.liveInputId,
          url: output.url,
          streamKey,
          enabled: output.enabled,
        },
        opts,
      );
      return [output.name, resource.uid];
    }),
  );
}
