import * as z from "zod/mini";
import { exactPartial } from "../exact-partial.ts";

/** The documented `status` values (docs/reference/cloudflare-api.md §1.4, [SPEC]/[SDK]). */
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
  allowedOrigins: z.nullable(z.array(z.string())),
  timeoutSeconds: z.int().check(z.gte(0)),
  hideLiveViewerCount: z.boolean(),
});
export type LiveInputRecording = z.infer<typeof liveInputRecording>;

/** Body of create and update: every field optional, Cloudflare fills defaults. */
export const liveInputWrite = z.object({
  meta: z.exactOptional(z.record(z.string(), z.unknown())),
  defaultCreator: z.exactOptional(z.string().check(z.maxLength(64))),
  deleteRecordingAfterDays: z.exactOptional(z.nullable(z.number().check(z.gte(30), z.lte(1096)))),
  enabled: z.exactOptional(z.boolean()),
  preferLowLatency: z.exactOptional(z.boolean()),
  recording: z.exactOptional(exactPartial(liveInputRecording)),
});
export type LiveInputWrite = z.infer<typeof liveInputWrite>;

/** The shape several live codebases observe: an object with the current state and history. */
export const liveInputStatusObject = z.object({
  current: z.nullable(
    z.object({
      state: z.string(),
      reason: z.exactOptional(z.string()),
      statusEnteredAt: z.exactOptional(z.string()),
      statusLastSeen: z.exactOptional(z.string()),
      ingestProtocol: z.exactOptional(z.string()),
    }),
  ),
  history: z.exactOptional(
    z.array(z.object({ state: z.string(), statusEnteredAt: z.exactOptional(z.string()) })),
  ),
});

/** `status` as the API may return it: documented string, observed object, or null. */
export const liveInputStatus = z.nullable(z.union([z.string(), liveInputStatusObject]));
export type LiveInputStatus = z.infer<typeof liveInputStatus>;

const urlWithKey = z.object({ url: z.string(), streamKey: z.string() });
const srtDetails = z.object({ url: z.string(), streamId: z.string(), passphrase: z.string() });

export const liveInput = z.object({
  uid: z.string().check(z.maxLength(32)),
  created: z.string(),
  modified: z.string(),
  meta: z.record(z.string(), z.unknown()),
  enabled: z.boolean(),
  deleteRecordingAfterDays: z.nullable(z.number()),
  preferLowLatency: z.exactOptional(z.boolean()),
  keysRotatedAt: z.exactOptional(z.string()),
  recording: liveInputRecording,
  rtmps: urlWithKey,
  rtmpsPlayback: urlWithKey,
  srt: srtDetails,
  srtPlayback: srtDetails,
  webRTC: z.object({ url: z.string() }),
  webRTCPlayback: z.object({ url: z.string() }),
  status: z.exactOptional(liveInputStatus),
});
export type LiveInput = z.infer<typeof liveInput>;

/** List items carry no credentials and no status (docs/reference/cloudflare-api.md §1.3). */
export const liveInputListItem = z.pick(liveInput, {
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
  videoUID: z.nullable(z.string()),
  live: z.boolean(),
  status: z.exactOptional(z.nullable(z.string())),
});

/**
 * Cloudflare's state string from either shape of `status` (docs/reference/cloudflare-api.md §1.4), or null when
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

/**
 * A Stream video (`GET /accounts/{id}/stream`, `…/stream/{uid}`): each broadcast of a recorded live
 * input makes one, `live-inprogress` while it lasts (docs/reference/cloudflare-api.md §1.7, [SDK]
 * `Video`). Only the fields the toolkit reads are required; the rest Cloudflare may add or omit.
 */
export const streamVideo = z.object({
  uid: z.string(),
  created: z.string(),
  modified: z.exactOptional(z.string()),
  liveInput: z.exactOptional(z.string()),
  duration: z.exactOptional(z.number()),
  readyToStream: z.exactOptional(z.boolean()),
  scheduledDeletion: z.exactOptional(z.nullable(z.string())),
  status: z.exactOptional(z.object({ state: z.exactOptional(z.string()) })),
});
export type StreamVideo = z.infer<typeof streamVideo>;
export const streamVideoList = z.array(streamVideo);

/**
 * A live input's output (simulcast target), docs/reference/cloudflare-api.md §1.8: where a broadcast
 * is forwarded. Cloudflare reports no forwarding state, only `enabled`, and answers the stream key in
 * clear (create and list), so every answer that carries one is secret.
 */
export const liveInputOutput = z.object({
  uid: z.string(),
  url: z.string(),
  streamKey: z.string(),
  enabled: z.exactOptional(z.boolean()),
});
export type LiveInputOutput = z.infer<typeof liveInputOutput>;
export const liveInputOutputList = z.array(liveInputOutput);

/** The URL schemes an output may forward to (RTMP, RTMPS, SRT; §1.8). */
export const OUTPUT_URL = /^(rtmps?|srt):\/\/[^\s/?#@]+(?:[/?][^\s]*)?$/;

/**
 * Create: `url` and `streamKey` required (`stream_create_output_request`), `enabled` defaults to
 * true. Which schemes Cloudflare refuses is undocumented: refusing all but RTMP(S) and SRT, the
 * ones it names, is a guess; so is ignoring unknown fields, as its other Stream bodies do.
 */
export const liveInputOutputCreate = z.object({
  url: z.string().check(z.maxLength(2048), z.regex(OUTPUT_URL, "must be an rtmp://, rtmps:// or srt:// URL")),
  streamKey: z.string().check(z.minLength(1), z.maxLength(1024)),
  enabled: z.exactOptional(z.boolean()),
});
export type LiveInputOutputCreate = z.infer<typeof liveInputOutputCreate>;

/** Update takes `enabled` and nothing else (`OutputUpdateParams`). */
export const liveInputOutputUpdate = z.object({ enabled: z.boolean() });
