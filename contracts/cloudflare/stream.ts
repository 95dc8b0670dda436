import * as z from "zod";

/** The documented `status` values (reference §1.4, [SPEC]/[SDK]). */
export const LIVE_INPUT_STATES = [
  "connected",
  "reconnected",
  "reconnecting",
  "client_disconnect",
  "ttl_exceeded",
  "failed_to_connect",
  "failed_to_reconnect",
  "new_configuration_accepted",
] as const;
export const liveInputStateName = z.enum(LIVE_INPUT_STATES);

export const liveInputRecording = z.object({
  mode: z.enum(["off", "automatic"]),
  requireSignedURLs: z.boolean(),
  allowedOrigins: z.array(z.string()).nullable(),
  timeoutSeconds: z.int().min(0),
  hideLiveViewerCount: z.boolean(),
});
export type LiveInputRecording = z.infer<typeof liveInputRecording>;

/** Body of create and update: every field optional, Cloudflare fills defaults. */
export const liveInputWrite = z.object({
  meta: z.record(z.string(), z.unknown()).optional(),
  defaultCreator: z.string().max(64).optional(),
  deleteRecordingAfterDays: z.number().min(30).max(1096).nullable().optional(),
  enabled: z.boolean().optional(),
  preferLowLatency: z.boolean().optional(),
  recording: liveInputRecording.partial().optional(),
});
export type LiveInputWrite = z.infer<typeof liveInputWrite>;

/** The shape several live codebases observe: an object with the current state and history. */
export const liveInputStatusObject = z.object({
  current: z
    .object({
      state: z.string(),
      reason: z.string().optional(),
      statusEnteredAt: z.string().optional(),
      statusLastSeen: z.string().optional(),
      ingestProtocol: z.string().optional(),
    })
    .nullable(),
  history: z.array(z.object({ state: z.string(), statusEnteredAt: z.string().optional() })).optional(),
});

/** `status` as the API may return it: documented string, observed object, or null. */
export const liveInputStatus = z.union([z.string(), liveInputStatusObject]).nullable();
export type LiveInputStatus = z.infer<typeof liveInputStatus>;

const urlWithKey = z.object({ url: z.string(), streamKey: z.string() });
const srtDetails = z.object({ url: z.string(), streamId: z.string(), passphrase: z.string() });

export const liveInput = z.object({
  uid: z.string().max(32),
  created: z.string(),
  modified: z.string(),
  meta: z.record(z.string(), z.unknown()),
  enabled: z.boolean(),
  deleteRecordingAfterDays: z.number().nullable(),
  preferLowLatency: z.boolean().optional(),
  keysRotatedAt: z.string().optional(),
  recording: liveInputRecording,
  rtmps: urlWithKey,
  rtmpsPlayback: urlWithKey,
  srt: srtDetails,
  srtPlayback: srtDetails,
  webRTC: z.object({ url: z.string() }),
  webRTCPlayback: z.object({ url: z.string() }),
  status: liveInputStatus.optional(),
});
export type LiveInput = z.infer<typeof liveInput>;

/** List items carry no credentials and no status (reference §1.3). */
export const liveInputListItem = liveInput.pick({
  uid: true,
  created: true,
  modified: true,
  meta: true,
  deleteRecordingAfterDays: true,
  enabled: true,
});
export const liveInputList = z.object({
  liveInputs: z.array(liveInputListItem),
  range: z.int(),
  total: z.int(),
});

/** `GET https://customer-<CODE>.cloudflarestream.com/<uid>/lifecycle`: a bare object, no envelope. */
export const lifecycle = z.object({
  isInput: z.boolean(),
  videoUID: z.string().nullable(),
  live: z.boolean(),
  status: z.string().nullable().optional(),
});

/**
 * Cloudflare's state string from either shape of `status` (reference §1.4), or null when
 * there is none. Unknown shapes read as null rather than failing: status is advisory.
 */
export function liveInputState(status: unknown): string | null {
  if (typeof status === "string") return status;
  const parsed = liveInputStatusObject.safeParse(status);
  return parsed.success ? (parsed.data.current?.state ?? null) : null;
}

/** Only these two states mean a broadcaster is sending right now. */
export function isConnectedState(state: string | null): boolean {
  return state === "connected" || state === "reconnected";
}
