/**
 * The room socket's plain values (contracts/api/rooms.ts has its messages' schemas), for the browser
 * client, which checks room messages by their type without a schema library.
 */

export const ROOM_PING = "ping";
export const ROOM_PONG = "pong";
/** Clients send `ping` this often; a participant silent for `ROOM_PRESENCE_TIMEOUT_MS` has left. */
export const ROOM_HEARTBEAT_INTERVAL_MS = 10_000;
export const ROOM_PRESENCE_TIMEOUT_MS = 30_000;

/** The `type` of each message the room sends (rooms.ts `roomServerMessage`). */
export const ROOM_SERVER_MESSAGE_TYPES = [
  "welcome",
  "join",
  "leave",
  "tracks",
  "signal",
  "event",
  "topology",
  "error",
] as const;
