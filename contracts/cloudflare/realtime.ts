import * as z from "zod/mini";

/** Realtime (rtc.live.cloudflare.com) errors: no envelope, `errorCode` + `errorDescription`. */
export const realtimeError = z.object({
  errorCode: z.string(),
  errorDescription: z.optional(z.string()),
});

/** TURN credentials live at most 48 h (docs/reference/cloudflare-api.md §5.1). */
export const TURN_TTL_MAX = 172_800;

export const turnCredentialRequest = z.object({
  ttl: z.int().check(z.gte(1), z.lte(TURN_TTL_MAX)),
  customIdentifier: z.optional(z.string().check(z.maxLength(256))),
});

export const iceServer = z.object({
  urls: z.union([z.string(), z.array(z.string()).check(z.minLength(1))]),
  username: z.optional(z.string()),
  credential: z.optional(z.string()),
});
export type IceServer = z.infer<typeof iceServer>;

/** `generate-ice-servers` (current): an array. */
export const iceServersResponse = z.object({ iceServers: z.array(iceServer).check(z.minLength(1)) });
/** `generate` (older): a single object that callers must wrap. */
export const legacyIceServersResponse = z.object({
  iceServers: z.extend(iceServer, { username: z.string(), credential: z.string() }),
});

export const sessionDescription = z.object({
  sdp: z.string().check(z.minLength(1)),
  type: z.enum(["offer", "answer"]),
});

export const trackObject = z.object({
  location: z.optional(z.enum(["local", "remote"])),
  mid: z.optional(z.string()),
  sessionId: z.optional(z.string()),
  trackName: z.optional(z.string()),
  kind: z.optional(z.enum(["audio", "video"])),
  bidirectionalMediaStream: z.optional(z.boolean()),
  simulcast: z.optional(
    z.object({
      preferredRid: z.optional(z.string()),
      priorityOrdering: z.optional(z.enum(["none", "asciibetical"])),
      ridNotAvailable: z.optional(z.enum(["none", "asciibetical"])),
    }),
  ),
});
export type TrackObject = z.infer<typeof trackObject>;

const itemError = { errorCode: z.optional(z.string()), errorDescription: z.optional(z.string()) };

export const newSessionResponse = z.object({
  sessionId: z.string(),
  sessionDescription: z.optional(sessionDescription),
  ...itemError,
});

export const tracksNewRequest = z.object({
  sessionDescription: z.optional(sessionDescription),
  tracks: z.array(trackObject).check(z.minLength(1)),
  autoDiscover: z.optional(z.boolean()),
});
export const tracksNewResponse = z.object({
  requiresImmediateRenegotiation: z.boolean(),
  sessionDescription: z.optional(sessionDescription),
  tracks: z.array(z.extend(trackObject, itemError)),
  ...itemError,
});

export const renegotiateRequest = z.object({ sessionDescription });
export const renegotiateResponse = z.object({
  sessionDescription: z.optional(sessionDescription),
  ...itemError,
});

export const tracksCloseRequest = z.object({
  tracks: z.array(z.object({ mid: z.string() })).check(z.minLength(1)),
  force: z.boolean(),
  sessionDescription: z.optional(sessionDescription),
});
export const tracksCloseResponse = z.object({
  tracks: z.array(z.object({ mid: z.string(), ...itemError })),
  sessionDescription: z.optional(sessionDescription),
  requiresImmediateRenegotiation: z.boolean(),
  ...itemError,
});

/**
 * A DataChannel publication or subscription (docs/reference/cloudflare-api.md §5.2, the OpenAPI's
 * `DataChannelObject`): the publisher picks one delivery policy per name, every subscriber mirrors it.
 */
export const dataChannelObject = z.object({
  location: z.optional(z.enum(["local", "remote"])),
  sessionId: z.optional(z.string()),
  dataChannelName: z.optional(z.string()),
  ordered: z.optional(z.boolean()),
  maxRetransmits: z.optional(z.int().check(z.gte(0), z.lte(65_535))),
  maxPacketLifeTime: z.optional(z.int().check(z.gte(0), z.lte(65_535))),
  waitForAck: z.optional(z.boolean()),
  canReply: z.optional(z.boolean()),
  id: z.optional(z.int()),
});
export type DataChannelObject = z.infer<typeof dataChannelObject>;

export const dataChannelsNewRequest = z.object({
  dataChannels: z.array(dataChannelObject).check(z.minLength(1)),
});
export const dataChannelsNewResponse = z.object({
  dataChannels: z.array(z.extend(dataChannelObject, itemError)),
  ...itemError,
});

export const sessionState = z.object({
  tracks: z.array(z.extend(trackObject, { status: z.enum(["active", "inactive", "initializing"]) })),
  dataChannels: z.array(
    z.object({
      location: z.string(),
      sessionId: z.optional(z.string()),
      dataChannelName: z.string(),
      id: z.int(),
      status: z.string(),
    }),
  ),
  ...itemError,
});
