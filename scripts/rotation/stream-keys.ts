import { liveInput } from "#contracts/cloudflare/stream.ts";
import type { StackDriver } from "#infra/stack-driver.ts";
import { CouldNotRun } from "../lib/cli.ts";

export interface IngestDetails {
  rtmps: { url: string; streamKey: string };
  srt: { url: string; streamId: string; passphrase: string };
  whip: { url: string };
}

export interface StreamKeyRotation {
  /** `tenant/channel` */
  channel: string;
  liveInputId: string;
  keysRotatedAt?: string;
  ingest: IngestDetails;
}

/** `tenant/channel` → the live input the stack created for it. */
function liveInputIds(outputs: Awaited<ReturnType<StackDriver["outputs"]>>, channels: string[]) {
  return channels.map((label) => {
    const [tenant, channel] = label.split("/");
    const id = tenant && channel ? outputs.tenants[tenant]?.channels[channel]?.liveInputId : undefined;
    if (!id) throw new CouldNotRun(`the stack has no channel ${label} (expected <tenant>/<channel>)`);
    return { label, id };
  });
}

/**
 * New ingest credentials for each channel through the live input's `rotate_keys`: the old stream
 * key, SRT passphrase and WHIP URL stop working at once and a connected broadcaster is dropped,
 * which is why this is never part of the scheduled rotation.
 */
export async function rotateStreamKeys(
  driver: StackDriver,
  channels: string[],
): Promise<StreamKeyRotation[]> {
  const targets = liveInputIds(await driver.outputs(), channels);
  const { client, accountId } = await driver.cloudflareApi();
  const results: StreamKeyRotation[] = [];
  for (const { label, id } of targets) {
    const input = await client.call(
      "POST",
      `/accounts/${accountId}/stream/live_inputs/${id}/rotate_keys`,
      liveInput,
    );
    results.push({
      channel: label,
      liveInputId: input.uid,
      ...(input.keysRotatedAt ? { keysRotatedAt: input.keysRotatedAt } : {}),
      ingest: {
        rtmps: { url: input.rtmps.url, streamKey: input.rtmps.streamKey },
        srt: { url: input.srt.url, streamId: input.srt.streamId, passphrase: input.srt.passphrase },
        whip: { url: input.webRTC.url },
      },
    });
  }
  return results;
}

const HIDDEN = "(hidden: --show-secrets prints it)";

/** The ingest details with their secrets replaced, unless asked for: logs outlive the terminal. */
export function redactIngest(rotation: StreamKeyRotation, showSecrets: boolean): StreamKeyRotation {
  if (showSecrets) return rotation;
  const { rtmps, srt } = rotation.ingest;
  return {
    ...rotation,
    ingest: {
      rtmps: { url: rtmps.url, streamKey: HIDDEN },
      srt: { url: srt.url, streamId: srt.streamId, passphrase: HIDDEN },
      whip: { url: HIDDEN },
    },
  };
}
