import * as z from "zod/mini";
import { iceServer } from "../cloudflare/realtime.ts";
import { id } from "../ids.ts";
import { sfuSessionRequest } from "./realtime.ts";

/** Up to this many participants a room stays peer-to-peer; the next one moves it to the SFU. */
export const P2P_MAX_PARTICIPANTS = 2;

export const topology = z.enum(["p2p", "sfu"]);
export type Topology = z.infer<typeof topology>;

/** `POST /api/realtime/join`: the same body as an SFU session. */
export const joinRequest = sfuSessionRequest;
export type JoinRequest = z.infer<typeof joinRequest>;

export const joinData = z.object({
  topology,
  /** The tenant the grant is for (not a secret): the session proxy is called with it as `X-Tenant-ID`. */
  tenant: z.string(),
  room_id: z.string(),
  user_id: z.string(),
  /** For the room socket (and, with `sfu`, the session proxy): bound to tenant, room, user and session. */
  token: z.string(),
  /** The room socket; append `?token=<token>`. */
  ws_url: z.url(),
  /** TURN (and STUN) servers: with `p2p` the peers connect through them, with `sfu` they reach the SFU. */
  ice_servers: z.array(iceServer).check(z.minLength(1)),
  /** Present with `sfu` only: the Realtime session this participant publishes and pulls tracks on. */
  sfu: z.exactOptional(z.object({ session_id: z.string(), app_id: z.string() })),
  /** Participants counted in the room with this one, present or about to connect. */
  participants: z.int().check(z.gte(1)),
  expires_at: z.iso.datetime(),
  /**
   * Seconds the token lives from when it was minted. A client counts from this rather than from
   * `expires_at` alone, since the device's clock may be wrong.
   */
  expires_in: z.int().check(z.gte(1)),
});
export type JoinData = z.infer<typeof joinData>;

/** `GET /api/realtime/rooms/:room_id/ws?token=` */
export const roomSocketParams = z.object({ room_id: id("room_id") });
export const roomSocketQuery = z.object({ token: z.string().check(z.minLength(1), z.maxLength(4096)) });

/** A track a participant publishes, as the others need it to pull it. */
export const publishedTrack = z.object({
  track_name: z.string().check(z.minLength(1), z.maxLength(128)),
  kind: z.enum(["audio", "video"]),
  /** The Realtime session it is published on; absent in a peer-to-peer room. */
  session_id: z.exactOptional(z.string().check(z.minLength(1), z.maxLength(128))),
});
export type PublishedTrack = z.infer<typeof publishedTrack>;

export const MAX_TRACKS_PER_PARTICIPANT = 16;
/** Room socket messages are small: signalling, track lists, app events. In characters. */
export const MAX_ROOM_MESSAGE_LENGTH = 16 * 1024;

export const participant = z.object({
  user_id: z.string(),
  user_name: z.string(),
  /** The participant's Realtime session, when the room uses the SFU. */
  session_id: z.nullable(z.string()),
  tracks: z.array(publishedTrack),
  joined_at: z.iso.datetime(),
});
export type Participant = z.infer<typeof participant>;

/**
 * What a client may send on the room socket. Besides these, the text `ping` is answered `pong`
 * without waking the room: the heartbeat that keeps a participant present.
 */
export const roomClientMessage = z.discriminatedUnion("type", [
  /** Replaces the list of tracks this participant publishes. */
  z.object({
    type: z.literal("tracks"),
    tracks: z.array(publishedTrack).check(z.maxLength(MAX_TRACKS_PER_PARTICIPANT)),
  }),
  /** Peer-to-peer signalling (SDP, ICE candidates), relayed to one participant. */
  z.object({ type: z.literal("signal"), to: id("to"), data: z.unknown() }),
  /** An application event, broadcast to everyone else in the room. */
  z.object({ type: z.literal("event"), data: z.unknown() }),
]);
export type RoomClientMessage = z.infer<typeof roomClientMessage>;

export const leaveReason = z.enum(["closed", "timeout", "replaced"]);

/** What the room sends. */
export const roomServerMessage = z.discriminatedUnion("type", [
  /** First message on a socket: who this is, who else is here, and the room's topology. */
  z.object({
    type: z.literal("welcome"),
    self: participant,
    participants: z.array(participant),
    topology,
  }),
  z.object({ type: z.literal("join"), participant }),
  z.object({ type: z.literal("leave"), user_id: z.string(), reason: leaveReason }),
  z.object({ type: z.literal("tracks"), user_id: z.string(), tracks: z.array(publishedTrack) }),
  z.object({ type: z.literal("signal"), from: z.string(), data: z.unknown() }),
  z.object({ type: z.literal("event"), from: z.string(), data: z.unknown() }),
  /** The room grew past peer-to-peer: join again (POST /api/realtime/join) to get an SFU session. */
  z.object({ type: z.literal("topology"), topology, participants: z.int() }),
  z.object({ type: z.literal("error"), code: z.string(), message: z.string() }),
]);
export type RoomServerMessage = z.infer<typeof roomServerMessage>;
