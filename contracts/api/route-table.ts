/**
 * How each Worker API route is called, in plain values: its method and path, the credential it
 * takes, its success status and where its input goes. contracts/api/routes.ts adds each route's
 * schemas and documentation to these lines. The table holds no schema on purpose, so that the
 * browser client can call every route without shipping a schema library (npm run bench:client-bundle).
 */

/**
 * How a route authenticates: `tenant` = `X-Tenant-ID` + `Authorization: Bearer <tenant key>` (or a
 * dashboard token); `session` = `X-Tenant-ID` + `Authorization: Bearer <session token>` of the session
 * in the path; `webhook` = Cloudflare's `cf-webhook-auth` secret; `room` = `?token=<session token>`
 * for the room in the path (browsers cannot set headers on a WebSocket); `probe` = `Authorization:
 * Bearer <the stack's probe key>`, no tenant (contracts/probe-key.ts).
 */
export type RouteAuth = "none" | "tenant" | "session" | "webhook" | "room" | "probe";

export interface RouteLine {
  method: "GET" | "POST" | "PUT";
  /** Hono-style: `:name` for a path parameter. */
  path: string;
  /** Other paths that answer exactly like `path` (same method, auth, limits and answers). */
  aliases?: readonly string[];
  auth: RouteAuth;
  /** Where the input's fields other than the path parameters go: the query string or a JSON body. */
  input?: "query" | "body";
  status: 101 | 200 | 201;
  /**
   * A success that is not JSON: server-sent events, a WebSocket or an HTML page.
   */
  produces?: "event-stream" | "websocket" | "html";
  /** Only the OpenAPI document itself goes out bare, so that tools can read it. */
  envelope?: false;
  /**
   * A file of the Worker's static assets, written when the Worker is built and served by Cloudflare
   * without invoking the Worker (so without its headers, such as the request id).
   */
  asset?: true;
}

const SESSION_PROXY = "/api/realtime/sfu/sessions/:session_id";

export const ROUTE_TABLE = {
  healthz: { method: "GET", path: "/healthz", auth: "none", status: 200 },
  openapi: {
    method: "GET",
    path: "/api/openapi.json",
    auth: "none",
    status: 200,
    envelope: false,
    asset: true,
  },
  streamStatus: { method: "GET", path: "/api/stream/status", auth: "tenant", input: "query", status: 200 },
  probeStatus: { method: "GET", path: "/api/probe/status", auth: "probe", status: 200 },
  streamConnect: { method: "POST", path: "/api/stream/connect", auth: "tenant", input: "body", status: 200 },
  streamPlaybackToken: {
    method: "POST",
    path: "/api/stream/playback-token",
    auth: "tenant",
    input: "body",
    status: 200,
  },
  turn: {
    method: "POST",
    path: "/api/realtime/turn",
    aliases: ["/api/realtime/turn/credentials"],
    auth: "tenant",
    input: "body",
    status: 200,
  },
  sfuSession: {
    method: "POST",
    path: "/api/realtime/sfu",
    aliases: ["/api/realtime/sfu/connect"],
    auth: "tenant",
    input: "body",
    status: 201,
  },
  sfuTracksNew: {
    method: "POST",
    path: `${SESSION_PROXY}/tracks/new`,
    auth: "session",
    input: "body",
    status: 200,
  },
  sfuDataChannelsNew: {
    method: "POST",
    path: `${SESSION_PROXY}/datachannels/new`,
    auth: "session",
    input: "body",
    status: 200,
  },
  sfuRenegotiate: {
    method: "PUT",
    path: `${SESSION_PROXY}/renegotiate`,
    auth: "session",
    input: "body",
    status: 200,
  },
  sfuTracksClose: {
    method: "PUT",
    path: `${SESSION_PROXY}/tracks/close`,
    auth: "session",
    input: "body",
    status: 200,
  },
  sfuSessionGet: { method: "GET", path: SESSION_PROXY, auth: "session", status: 200 },
  streamChannels: { method: "GET", path: "/api/stream/channels", auth: "tenant", status: 200 },
  streamEvents: {
    method: "GET",
    path: "/api/stream/events",
    auth: "tenant",
    input: "query",
    status: 200,
    produces: "event-stream",
  },
  streamWebhook: { method: "POST", path: "/api/stream/webhook", auth: "webhook", input: "body", status: 200 },
  join: { method: "POST", path: "/api/realtime/join", auth: "tenant", input: "body", status: 200 },
  roomSocket: {
    method: "GET",
    path: "/api/realtime/rooms/:room_id/ws",
    auth: "room",
    status: 101,
    produces: "websocket",
  },
  dashboardToken: { method: "POST", path: "/api/dashboard/token", auth: "tenant", status: 200 },
  dashboard: { method: "GET", path: "/", auth: "none", status: 200, produces: "html" },
} as const satisfies Record<string, RouteLine>;

export type RouteName = keyof typeof ROUTE_TABLE;

/** The names of a path's `:name` parameters, in order. */
export const pathParams = (path: string): string[] => [...path.matchAll(/:([a-z_]+)/g)].map((m) => m[1]!);
