/**
 * The server entry: for a tenant's backend (Node 20, a Worker), which holds the tenant key and
 * hands browsers only what they need (a join grant, a dashboard token). Never bundle this into a
 * page that a person other than the tenant's operator opens: see docs/app-developers.md.
 */
import {
  probeCredential,
  type RoomGrant,
  type RoomMethods,
  roomMethods,
  type SessionGrant,
  type SessionMethods,
  sessionMethods,
  tenantCredential,
  webhookCredential,
} from "./credentials.ts";
import { type RouteMethods, type RoutesWithAuth, routeMethods } from "./methods.ts";
import { schemaAnswers } from "./schema-answers.ts";
import { type ClientOptions, Transport } from "./transport.ts";

export type { RoomGrant, SessionGrant } from "./credentials.ts";
export * from "./shared-exports.ts";
export type { ClientOptions } from "./transport.ts";

export interface ServerClientOptions extends ClientOptions {
  /** The tenant's id (`X-Tenant-ID`). Without it and `key`, tenant routes go without credentials. */
  tenant?: string;
  /** The tenant key, `rsk.<generation>.<mac>`: a secret for the backend only. */
  key?: string;
}

export type TenantMethods = RouteMethods<RoutesWithAuth<"tenant">>;
export type PublicMethods = RouteMethods<RoutesWithAuth<"none">>;

export type ServerClient = PublicMethods &
  TenantMethods & {
    readonly baseUrl: string;
    /** The session proxy for a session this backend (or `join`) created; `tenant` defaults to the client's. */
    session(grant: Omit<SessionGrant, "tenant"> & { tenant?: string }): SessionMethods;
    /** A room socket's URL with its token. */
    room(grant: RoomGrant): RoomMethods;
    /** The probe routes, with the stack's probe key (never a tenant's). */
    probe(probeKey: string): RouteMethods<RoutesWithAuth<"probe">>;
    /** The notification route, as Cloudflare calls it with the destination's secret. */
    webhook(secret: string): RouteMethods<RoutesWithAuth<"webhook">>;
    /** A request exactly as given: for checks that must send what the typed methods never would. */
    raw(path: string, init?: RequestInit): Promise<Response>;
  };

export function createServerClient(options: ServerClientOptions): ServerClient {
  const transport = new Transport(options, schemaAnswers);
  const credential =
    options.tenant !== undefined && options.key !== undefined
      ? tenantCredential(options.tenant, options.key)
      : {};
  return {
    // The public routes go without the key: it has no business in their logs or caches.
    ...routeMethods<RoutesWithAuth<"none">>(transport, ["none"], {}),
    ...routeMethods<RoutesWithAuth<"tenant">>(transport, ["tenant"], credential),
    baseUrl: transport.baseUrl,
    session: ({ tenant = options.tenant ?? "", session_id, token }) =>
      sessionMethods(transport, { tenant, session_id, token }),
    room: (grant) => roomMethods(transport, grant),
    probe: (probeKey) => routeMethods(transport, ["probe"], probeCredential(probeKey)),
    webhook: (secret) => routeMethods(transport, ["webhook"], webhookCredential(secret)),
    raw: (path, init) => transport.raw(path, init),
  };
}
