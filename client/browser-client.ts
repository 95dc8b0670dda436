/**
 * The browser client: only what a tenant's backend handed over (a join grant, a dashboard token),
 * never the tenant key. Anything key-shaped given to it is refused at run time, since a key in a
 * page is a key anyone can read from it (docs/app-developers.md says more).
 */
import type { JoinData } from "#contracts/api/rooms.ts";
import type { RouteAuth } from "#contracts/api/route-table.ts";
import { TENANT_KEY_SHAPE } from "#contracts/tenant-key.ts";
import {
  type RoomMethods,
  roomMethods,
  type SessionMethods,
  sessionMethods,
  tenantCredential,
} from "./credentials.ts";
import { type RouteMethods, type RoutesWithAuth, routeMethods } from "./methods.ts";
import { shapeAnswers } from "./shape-answers.ts";
import { type ClientOptions, Transport } from "./transport.ts";

export interface BrowserClientOptions extends Omit<ClientOptions, "baseUrl"> {
  /** Defaults to the page's own origin. */
  baseUrl?: string;
  /** The tenant's id, as the backend said (not a secret). */
  tenant: string;
}

/** What `POST /api/realtime/join` answered the backend, handed to the browser as is. */
export type JoinGrant = JoinData;

export interface GrantClient {
  readonly grant: JoinGrant;
  /** The room socket's URL, token included: open it with `new WebSocket(url)`. */
  readonly room: RoomMethods;
  /** The session proxy, when the room uses the SFU (`grant.sfu`); undefined peer-to-peer. */
  readonly session: SessionMethods | undefined;
}

export type BrowserClient = RouteMethods<RoutesWithAuth<"none">> & {
  readonly baseUrl: string;
  readonly tenant: string;
  /**
   * Tenant routes with a dashboard token (`POST /api/dashboard/token`); pass a function to read a
   * renewed token at each call.
   */
  withDashboardToken(token: string | (() => string)): RouteMethods<RoutesWithAuth<"tenant">>;
  /** The session proxy and the room socket of a join grant. */
  withGrant(grant: JoinGrant): GrantClient;
  /** The session proxy of a session the backend created (`POST /api/realtime/sfu`) and handed over. */
  withSession(session: { session_id: string; token: string }): SessionMethods;
};

/** Refuses a tenant key: thrown before anything is sent, so the key goes nowhere from here. */
export function refuseTenantKey(value: string, what: string): string {
  if (TENANT_KEY_SHAPE.test(value)) {
    throw new TypeError(
      `${what} looks like a tenant key (rsk.…): a tenant key must never reach a browser. ` +
        "Keep it on your backend and hand the page a join grant or a dashboard token instead.",
    );
  }
  return value;
}

const PUBLIC: RouteAuth[] = ["none"];

export function createBrowserClient(options: BrowserClientOptions): BrowserClient {
  const tenant = refuseTenantKey(options.tenant, "tenant");
  const transport = new Transport(
    { ...options, baseUrl: options.baseUrl ?? globalThis.location.origin },
    shapeAnswers,
  );
  return {
    ...routeMethods<RoutesWithAuth<"none">>(transport, PUBLIC, {}),
    baseUrl: transport.baseUrl,
    tenant,
    withDashboardToken: (token) => {
      const read = typeof token === "function" ? token : () => token;
      refuseTenantKey(read(), "the dashboard token");
      return routeMethods(transport, ["tenant"], () =>
        tenantCredential(tenant, refuseTenantKey(read(), "the dashboard token")),
      );
    },
    withSession: (session) =>
      sessionMethods(transport, {
        tenant,
        session_id: session.session_id,
        token: refuseTenantKey(session.token, "the session's token"),
      }),
    withGrant: (grant) => {
      const token = refuseTenantKey(grant.token, "the grant's token");
      return {
        grant,
        room: roomMethods(transport, { room_id: grant.room_id, token }),
        session: grant.sfu
          ? sessionMethods(transport, { tenant, session_id: grant.sfu.session_id, token })
          : undefined,
      };
    },
  };
}
