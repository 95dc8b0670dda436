import * as z from "zod/mini";

/** Realtime (rtc.live.cloudflare.com) errors: no envelope, `errorCode` + `errorDescription`. */
export const realtimeError = z.object({
  errorCode: z.string(),
  errorDescription: z.exactOptional(z.string()),
});

/** TURN credentials live at most 48 h (docs/reference/cloudflare-api.md §5.1). */
export const TURN_TTL_MAX = 172_800;

export const turnCredentialRequest = z.object({
  ttl: z.int().check(z.gte(1), z.lte(TURN_TTL_MAX)),
  customIdentifier: z.exactOptional(z.string().check(z.maxLength(256))),
});

export const iceServer = z.object({
  urls: z.union([z.string(), z.array(z.string()).check(z.minLength(1))]),
  username: z.exactOptional(z.string()),
  credential: z.exactOptional(z.string()),
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
  location: z.exactOptional(z.enum(["local", "remote"])),
  mid: z.exactOptional(z.string()),
  sessionId: z.exactOptional(z.string()),
  trackName: z.exactOptional(z.string()),
  kind: z.exactOptional(z.enum(["audio", "video"])),
  bidirectionalMediaStream: z.exactOptional(z.boolean()),
  simulcast: z.exactOptional(
    z.object({
      preferredRid: z.exactOptional(z.string()),
      priorityOrdering: z.exactOptional(z.enum(["none", "asciibetical"])),
      ridNotAvailable: z.exactOptional(z.enum(["none", "asciibetical"])),
    }),
  ),
});
export type TrackObject = z.infer<typeof trackObject>;

const itemError = { errorCode: z.exactOptional(z.string()), errorDescription: z.exactOptional(z.string()) };

export const newSessionResponse = z.object({
  sessionId: z.string(),
  sessionDescription: z.exactOptional(sessionDescription),
  ...itemError,
});

export const tracksNewRequest = z.object({
  sessionDescription: z.exactOptional(sessionDescription),
  tracks: z.array(trackObject).check(z.minLength(1)),
  autoDiscover: z.exactOptional(z.boolean()),
});
export const tracksNewResponse = z.object({
  requiresImmediateRenegotiation: z.boolean(),
  sessionDescription: z.exactOptional(sessionDescription),
  tracks: z.array(z.extend(trackObject, itemError)),
  ...itemError,
});

export const renegotiateRequest = z.object({ sessionDescription });
export const renegotiateResponse = z.object({
  sessionDescription: z.exactOptional(sessionDescription),
  ...itemError,
});

export const tracksCloseRequest = z.object({
  tracks: z.array(z.object({ mid: z.string() })).check(z.minLength(1)),
  force: z.boolean(),
  sessionDescription: z.exactOptional(sessionDescription),
});
export const tracksCloseResponse = z.object({
  tracks: z.array(z.object({ mid: z.string(), ...itemError })),
  sessionDescription: z.exactOptional(sessionDescription),
  requiresImmediateRenegotiation: z.boolean(),
  ...itemError,
});

/**
 * A DataChannel publication or subscription (docs/reference/cloudflare-api.md §5.2, the OpenAPI's
 * `DataChannelObject`): the publisher picks one delivery policy per name, every subscriber mirrors it.
 */
export const dataChannelObject = z.object({
  location: z.exactOptional(z.enum(["local", "remote"])),
  sessionId: z.exactOptional(z.string()),
  dataChannelName: z.exactOptional(z.string()),
  ordered: z.exactOptional(z.boolean()),
  maxRetransmits: z.exactOptional(z.int().check(z.gte(0), z.lte(65_535))),
  maxPacketLifeTime: z.exactOptional(z.int().check(z.gte(0), z.lte(65_535))),
  waitForAck: z.exactOptional(z.boolean()),
  canReply: z.exactOptional(z.boolean()),
  id: z.exactOptional(z.int()),
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
      sessionId: z.exactOptional(z.string()),
      dataChannelName: z.string(),
      id: z.int(),
      status: z.string(),
    }),
  ),
  ...itemError,
});
