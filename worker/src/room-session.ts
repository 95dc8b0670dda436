import type { Context } from "hono";
import { ROUTE_TABLE } from "#contracts/api/route-table.ts";
import { roomOf } from "./durable/room.ts";
import type { RouteEnv } from "./route-env.ts";
import { SESSION_TOKEN_TTL_SECONDS, type SessionClaims, signSessionToken } from "./session-token.ts";

/** What a member of a room is handed: the session token, the room socket, and when the token dies. */
interface RoomSessionGrant {
  token: string;
  ws_url: string;
  expires_at: string;
  expires_in: number;
}

/** The room socket of this Worker, on the origin the caller reached it by. */
function roomSocketUrl(requestUrl: string, roomId: string): string {
  const url = new URL(
    ROUTE_TABLE.roomSocket.path.replace(":room_id", encodeURIComponent(roomId)),
    requestUrl,
  );
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.toString();
}

/**
 * Mints a session token for a member of one of the calling tenant's rooms: the SFU session route
 * and join alike. A member with a Realtime session has it recorded by the room first, until the
 * token expires, so that the SFU proxy lets the room's other members pull its tracks; a
 * peer-to-peer member has none (`""`).
 */
export async function mintRoomSession(
  c: Context<RouteEnv<"tenant">>,
  signingSecret: string,
  member: Omit<SessionClaims, "tenant" | "exp">,
): Promise<RoomSessionGrant> {
  const tenant = c.get("tenant").id;
  const exp = Math.floor(Date.now() / 1000) + SESSION_TOKEN_TTL_SECONDS;
  if (member.session) await roomOf(c.env, tenant, member.room).recordSession(member.session, exp * 1000);
  return {
    token: await signSessionToken(signingSecret, { ...member, tenant, exp }),
    ws_url: roomSocketUrl(c.req.url, member.room),
    expires_at: new Date(exp * 1000).toISOString(),
    expires_in: SESSION_TOKEN_TTL_SECONDS,
  };
}
