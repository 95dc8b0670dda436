import * as z from "zod";

/** Realtime (rtc.live.cloudflare.com) errors: no envelope, `errorCode` + `errorDescription`. */
export const realtimeError = z.object({ errorCode: z.string(), errorDescription: z.string().optional() });

/** TURN credentials live at most 48 h (reference §5.1). */
export const TURN_TTL_MAX = 172_800;

export const turnCredentialRequest = z.object({
  ttl: z.int().min(1).max(TURN_TTL_MAX),
  customIdentifier: z.string().max(256).optional(),
});

export const iceServer = z.object({
  urls: z.union([z.string(), z.array(z.string()).min(1)]),
  username: z.string().optional(),
  credential: z.string().optional(),
});
export type IceServer = z.infer<typeof iceServer>;

/** `generate-ice-servers` (current): an array. */
export const iceServersResponse = z.object({ iceServers: z.array(iceServer).min(1) });
/** `generate` (older): a single object that callers must wrap. */
export const legacyIceServersResponse = z.object({
  iceServers: iceServer.extend({ username: z.string(), credential: z.string() }),
});

export const sessionDescription = z.object({ sdp: z.string().min(1), type: z.enum(["offer", "answer"]) });

export const trackObject = z.object({
  location: z.enum(["local", "remote"]).optional(),
  mid: z.string().optional(),
  sessionId: z.string().optional(),
  trackName: z.string().optional(),
  kind: z.enum(["audio", "video"]).optional(),
  bidirectionalMediaStream: z.boolean().optional(),
  simulcast: z
    .object({
      preferredRid: z.string().optional(),
      priorityOrdering: z.enum(["none", "asciibetical"]).optional(),
      ridNotAvailable: z.enum(["none", "asciibetical"]).optional(),
    })
    .optional(),
});
export type TrackObject = z.infer<typeof trackObject>;

const itemError = { errorCode: z.string().optional(), errorDescription: z.string().optional() };

export const newSessionResponse = z.object({
  sessionId: z.string(),
  sessionDescription: sessionDescription.optional(),
  ...itemError,
});

export const tracksNewRequest = z.object({
  sessionDescription: sessionDescription.optional(),
  tracks: z.array(trackObject).min(1),
  autoDiscover: z.boolean().optional(),
});
export const tracksNewResponse = z.object({
  requiresImmediateRenegotiation: z.boolean(),
  sessionDescription: sessionDescription.optional(),
  tracks: z.array(trackObject.extend(itemError)),
  ...itemError,
});

export const renegotiateRequest = z.object({ sessionDescription });
export const renegotiateResponse = z.object({
  sessionDescription: sessionDescription.optional(),
  ...itemError,
});

export const tracksCloseRequest = z.object({
  tracks: z.array(z.object({ mid: z.string() })).min(1),
  force: z.boolean(),
  sessionDescription: sessionDescription.optional(),
});
export const tracksCloseResponse = z.object({
  tracks: z.array(z.object({ mid: z.string(), ...itemError })),
  sessionDescription: sessionDescription.optional(),
  requiresImmediateRenegotiation: z.boolean(),
  ...itemError,
});

export const sessionState = z.object({
  tracks: z.array(trackObject.extend({ status: z.enum(["active", "inactive", "initializing"]) })),
  dataChannels: z.array(
    z.object({
      location: z.string(),
      sessionId: z.string().optional(),
      dataChannelName: z.string(),
      id: z.int(),
      status: z.string(),
    }),
  ),
  ...itemError,
});
