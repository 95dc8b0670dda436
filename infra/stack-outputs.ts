import * as z from "zod";
import { SLOTS } from "./config.ts";

const slot = z.enum(SLOTS);
const slotIds = <K extends string>(key: K) => {
  const ids = z.looseObject({ [key]: z.string() } as Record<K, z.ZodString>);
  return z.looseObject({ active: slot, a: ids, b: ids });
};

const channelOutputs = z.looseObject({
  liveInputId: z.string(),
  ingest: z
    .looseObject({ rtmpsUrl: z.string(), srtUrl: z.string(), srtStreamId: z.string(), whipUrl: z.string() })
    .optional(),
  playback: z.looseObject({ hls: z.string(), dash: z.string(), whep: z.string() }).optional(),
  /** Absent from outputs written before the outputs said which channels are private. */
  signed: z.boolean().optional(),
});

/**
 * The stack outputs the scripts rely on, as `pulumi stack output --json --show-secrets` prints them
 * (and as the local engine writes them to outputs.json). Loose: outputs added later do no harm.
 */
export const stackOutputs = z.looseObject({
  workerUrl: z.url({ protocol: /^https?$/ }),
  tenants: z.record(
    z.string(),
    z.looseObject({ apiKey: z.string(), channels: z.record(z.string(), channelOutputs) }),
  ),
  turnKeys: slotIds("keyId"),
  sfuApps: slotIds("appId"),
  workerApiTokens: slotIds("tokenId"),
  /** Absent from outputs written before private channels existed. */
  playbackKeys: slotIds("keyId").extend({ tokenTtlMax: z.int() }).optional(),
  tenantKeyGeneration: z.int(),
  /** The stack's probe input (absent when `realtime-stack:probe.enabled` is false). */
  probe: z
    .looseObject({
      liveInputId: z.string(),
      /** Reads the probe input's status from the Worker, and nothing else (secret). */
      apiKey: z.string(),
      /** `realtime-stack:probe.onDeploy`: deploy runs the probes. */
      onDeploy: z.boolean().optional(),
      ingest: z.looseObject({
        rtmpsUrl: z.string(),
        streamKey: z.string(),
        srtUrl: z.string(),
        srtStreamId: z.string(),
        srtPassphrase: z.string(),
        whipUrl: z.string(),
      }),
      playback: z.looseObject({ hls: z.string(), dash: z.string(), whep: z.string() }),
    })
    .optional(),
});
export type StackOutputs = z.infer<typeof stackOutputs>;

/** Parses outputs, naming the first missing or malformed output rather than dumping values. */
export function parseStackOutputs(raw: unknown, source: string): StackOutputs {
  const parsed = stackOutputs.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
  throw new Error(
    `the stack outputs from ${source} are not what this toolkit deploys: ${problems.join("; ")}`,
  );
}
