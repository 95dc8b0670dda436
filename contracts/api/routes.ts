import * as z from "zod/mini";
import { liveInputNotification } from "../cloudflare/notifications.ts";
import {
  dataChannelsNewRequest,
  dataChannelsNewResponse,
  renegotiateRequest,
  renegotiateResponse,
  sessionState,
  tracksCloseRequest,
  tracksCloseResponse,
  tracksNewRequest,
  tracksNewResponse,
} from "../cloudflare/realtime.ts";
import { channelListData, dashboardTokenData } from "./dashboard.ts";
import type { ApiErrorCode } from "./errors.ts";
import { statusEventData, streamEventsQuery } from "./events.ts";
import { healthzData } from "./healthz.ts";
import { openApiObject } from "./openapi-object.ts";
import { probeStatusData } from "./probe.ts";
import { sfuSessionData, sfuSessionParams, sfuSessionRequest, turnData, turnRequest } from "./realtime.ts";
import { joinData, joinRequest, roomServerMessage, roomSocketParams } from "./rooms.ts";
import {
  playbackTokenData,
  playbackTokenRequest,
  streamConnectData,
  streamConnectRequest,
  streamStatusData,
  streamStatusQuery,
} from "./stream.ts";
import { webhookData } from "./webhook.ts";

/**
 * How a route authenticates: `tenant` = `X-Tenant-ID` + `Authorization: Bearer <tenant key>` (or a
 * dashboard token); `session` = `X-Tenant-ID` + `Authorization: Bearer <session token>` of the session
 * in the path; `webhook` = Cloudflare's `cf-webhook-auth` secret; `room` = `?token=<session token>`
 * for the room in the path (browsers cannot set headers on a WebSocket); `probe` = `Authorization:
 * Bearer <the stack's probe key>`, no tenant (contracts/probe-key.ts).
 */
export type RouteAuth = "none" | "tenant" | "session" | "webhook" | "room" | "probe";

export interface ApiRoute {
  method: "GET" | "POST" | "PUT";
  /** Hono-style: `:name` for a path parameter. */
  path: string;
  /** Other paths that answer exactly like `path` (same method, auth, limits and answers). */
  aliases?: readonly string[];
  auth: RouteAuth;
  summary: string;
  params?: z.ZodMiniObject;
  query?: z.ZodMiniObject;
  body?: z.ZodMiniType;
  /** The schema of `data` in the success envelope, or of the whole body when `envelope` is false. */
  data: z.ZodMiniType;
  /** Only the OpenAPI document itself goes out bare, so that tools can read it. */
  envelope?: false;
  /**
   * A success that is not JSON: server-sent events (`data` describes each event's data), a
   * WebSocket (`data` describes the messages the server sends) or an HTML page.
   */
  produces?: "event-stream" | "websocket" | "html";
  status: 101 | 200 | 201;
  /** Credential minting: counted against the tenant's and the user's rate limits. */
  mints?: boolean;
  /**
   * Whether the route calls Cloudflare: it may answer the upstream error codes, and 429 when the
   * tenant's share of an upstream budget is spent.
   */
  upstream?: boolean;
  /** Error codes beyond the ones every authenticated route may answer with. */
  errors: ApiErrorCode[];
}

const SESSION_PROXY = "/api/realtime/sfu/sessions/:session_id";

/** The Worker API: the Worker registers exactly these, and the OpenAPI document describes exactly these. */
export const API_ROUTES = {
  healthz: {
    method: "GET",
    path: "/healthz",
    auth: "none",
    summary:
      "Version, stack, whether every binding is configured (never its value), and how current status is at this scale",
    data: healthzData,
    status: 200,
    errors: [],
  },
  openapi: {
    method: "GET",
    path: "/api/openapi.json",
    auth: "none",
    summary: "This document",
    data: openApiObject,
    envelope: false,
    status: 200,
    errors: [],
  },
  streamStatus: {
    method: "GET",
    path: "/api/stream/status",
    auth: "tenant",
    summary:
      "A channel's live input status, or without `channel` every channel's and whether any is live; " +
      "checked on Stream's delivery host at most once per refresh interval, served stale (`stale: true`) " +
      "for a while when Cloudflare cannot be read",
    query: streamStatusQuery,
    data: streamStatusData,
    status: 200,
    upstream: true,
    errors: ["invalid_request", "channel_not_found"],
  },
  probeStatus: {
    method: "GET",
    path: "/api/probe/status",
    auth: "probe",
    summary:
      "The stack's probe live input (not a tenant channel), for post-deploy probes: checked on Cloudflare when the held status is older than a second",
    data: probeStatusData,
    status: 200,
    upstream: true,
    errors: ["not_found"],
  },
  streamConnect: {
    method: "POST",
    path: "/api/stream/connect",
    auth: "tenant",
    summary:
      "Keeps a channel ready: re-enables a disabled live input, returns ingest details and status; when " +
      "Cloudflare cannot be read, the last ingest details read, marked `stale: true`, with a `note`",
    body: streamConnectRequest,
    data: streamConnectData,
    status: 200,
    upstream: true,
    errors: ["invalid_json", "invalid_request", "channel_not_found"],
  },
  streamPlaybackToken: {
    method: "POST",
    path: "/api/stream/playback-token",
    auth: "tenant",
    summary:
      "Playback URLs for a channel: a private channel's HLS, DASH and WHEP URLs carry a token the Worker " +
      "signs with the stack's Stream signing key (no call to Cloudflare), valid for `ttl` seconds and " +
      "restricted by `access_rules`; a public channel's are its plain URLs",
    body: playbackTokenRequest,
    data: playbackTokenData,
    status: 200,
    mints: true,
    errors: ["invalid_json", "invalid_request", "channel_not_found"],
  },
  turn: {
    method: "POST",
    path: "/api/realtime/turn",
    aliases: ["/api/realtime/turn/credentials"],
    auth: "tenant",
    summary: "Short-lived TURN credentials",
    body: turnRequest,
    data: turnData,
    status: 200,
    mints: true,
    upstream: true,
    errors: ["invalid_json", "invalid_request"],
  },
  sfuSession: {
    method: "POST",
    path: "/api/realtime/sfu",
    aliases: ["/api/realtime/sfu/connect"],
    auth: "tenant",
    summary: "Creates a Realtime SFU session and a token that alone may use it",
    body: sfuSessionRequest,
    data: sfuSessionData,
    status: 201,
    mints: true,
    upstream: true,
    errors: ["invalid_json", "invalid_request"],
  },
  sfuTracksNew: {
    method: "POST",
    path: `${SESSION_PROXY}/tracks/new`,
    auth: "session",
    summary:
      "Proxies Realtime tracks/new for this session; remote tracks only from sessions of the same tenant and room",
    params: sfuSessionParams,
    body: tracksNewRequest,
    data: tracksNewResponse,
    status: 200,
    upstream: true,
    errors: ["invalid_json", "invalid_request"],
  },
  sfuDataChannelsNew: {
    method: "POST",
    path: `${SESSION_PROXY}/datachannels/new`,
    auth: "session",
    summary:
      "Proxies Realtime datachannels/new for this session; remote channels only from sessions of the same tenant and room",
    params: sfuSessionParams,
    body: dataChannelsNewRequest,
    data: dataChannelsNewResponse,
    status: 200,
    upstream: true,
    errors: ["invalid_json", "invalid_request"],
  },
  sfuRenegotiate: {
    method: "PUT",
    path: `${SESSION_PROXY}/renegotiate`,
    auth: "session",
    summary: "Proxies Realtime renegotiate for this session",
    params: sfuSessionParams,
    body: renegotiateRequest,
    data: renegotiateResponse,
    status: 200,
    upstream: true,
    errors: ["invalid_json", "invalid_request"],
  },
  sfuTracksClose: {
    method: "PUT",
    path: `${SESSION_PROXY}/tracks/close`,
    auth: "session",
    summary: "Proxies Realtime tracks/close for this session",
    params: sfuSessionParams,
    body: tracksCloseRequest,
    data: tracksCloseResponse,
    status: 200,
    upstream: true,
    errors: ["invalid_json", "invalid_request"],
  },
  sfuSessionGet: {
    method: "GET",
    path: SESSION_PROXY,
    auth: "session",
    summary: "Proxies the Realtime session state (tracks, data channels)",
    params: sfuSessionParams,
    data: sessionState,
    status: 200,
    upstream: true,
    errors: ["invalid_request"],
  },
  streamChannels: {
    method: "GET",
    path: "/api/stream/channels",
    auth: "tenant",
    summary: "The tenant's channels",
    data: channelListData,
    status: 200,
    errors: [],
  },
  streamEvents: {
    method: "GET",
    path: "/api/stream/events",
    auth: "tenant",
    summary:
      "Server-sent events: a channel's status at connect and every change after, heartbeats, Last-Event-ID resume",
    query: streamEventsQuery,
    data: statusEventData,
    produces: "event-stream",
    status: 200,
    upstream: true,
    errors: ["invalid_request", "channel_not_found"],
  },
  streamWebhook: {
    method: "POST",
    path: "/api/stream/webhook",
    auth: "webhook",
    summary: "Receives Cloudflare's live input notifications; an older event never overwrites a newer status",
    body: liveInputNotification,
    data: webhookData,
    status: 200,
    errors: ["invalid_json", "invalid_request"],
  },
  join: {
    method: "POST",
    path: "/api/realtime/join",
    auth: "tenant",
    summary: "Joins a room: peer-to-peer with TURN for 2 participants, an SFU session from the 3rd on",
    body: joinRequest,
    data: joinData,
    status: 200,
    mints: true,
    upstream: true,
    errors: ["invalid_json", "invalid_request"],
  },
  roomSocket: {
    method: "GET",
    path: "/api/realtime/rooms/:room_id/ws",
    auth: "room",
    summary: "WebSocket to the room: presence, each participant's tracks, signalling and events",
    params: roomSocketParams,
    data: roomServerMessage,
    produces: "websocket",
    status: 101,
    errors: ["invalid_request", "upgrade_required"],
  },
  dashboardToken: {
    method: "POST",
    path: "/api/dashboard/token",
    auth: "tenant",
    summary: "A short-lived dashboard token for the tenant key, or a fresh one for a live token",
    data: dashboardTokenData,
    status: 200,
    errors: [],
  },
  dashboard: {
    method: "GET",
    path: "/",
    auth: "none",
    summary: "The status dashboard",
    data: z.string(),
    produces: "html",
    status: 200,
    errors: [],
  },
} as const satisfies Record<string, ApiRoute>;

export type ApiRouteName = keyof typeof API_ROUTES;
