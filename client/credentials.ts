import { WEBHOOK_AUTH_HEADER } from "#contracts/api/headers.ts";
import type { RouteMethods, RoutesWithAuth } from "./methods.ts";
import { routeMethods } from "./methods.ts";
import type { Credential, Transport } from "./transport.ts";

/** `tenant`: the tenant's key (server) or a dashboard token (browser), with the tenant's id. */
export const tenantCredential = (tenant: string, bearer: string): Credential => ({
  headers: { "x-tenant-id": tenant, authorization: `Bearer ${bearer}` },
});

/** What the Worker handed out for one Realtime session: `POST /api/realtime/sfu`, or `join` with the SFU. */
export interface SessionGrant {
  tenant: string;
  session_id: string;
  token: string;
}

export type SessionMethods = RouteMethods<RoutesWithAuth<"session">, "session_id">;

/** The session proxy's routes for one session, with its token (contracts/api/routes.ts `session`). */
export const sessionMethods = (transport: Transport, grant: SessionGrant): SessionMethods =>
  routeMethods(transport, ["session"], tenantCredential(grant.tenant, grant.token), {
    session_id: grant.session_id,
  });

/** A room's socket, with the room token in the query, since browsers cannot set headers on a WebSocket. */
export interface RoomGrant {
  room_id: string;
  token: string;
}

export type RoomMethods = RouteMethods<RoutesWithAuth<"room">, "room_id">;

export const roomMethods = (transport: Transport, grant: RoomGrant): RoomMethods =>
  routeMethods(transport, ["room"], { query: { token: grant.token } }, { room_id: grant.room_id });

export const probeCredential = (probeKey: string): Credential => ({
  headers: { authorization: `Bearer ${probeKey}` },
});

/** Cloudflare's notification secret, as Cloudflare sends it (contracts/api/headers.ts). */
export const webhookCredential = (secret: string): Credential => ({
  headers: { [WEBHOOK_AUTH_HEADER]: secret },
});
