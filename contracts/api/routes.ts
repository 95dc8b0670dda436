import * as z from "zod/mini";
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
import { ROUTE_TABLE, type RouteLine, type RouteName } from "./route-table.ts";
import {
  playbackTokenData,
  playbackTokenRequest,
  streamConnectData,
  streamConnectRequest,
  streamStatusData,
  streamStatusQuery,
} from "./stream.ts";
import { webhookData, webhookDelivery } from "./webhook.ts";

export type { RouteAuth } from "./route-table.ts";

/** A route's line of the route table with its schemas and documentation. */
export interface ApiRoute extends RouteLine {
  summary: string;
  params?: z.ZodMiniObject;
  query?: z.ZodMiniObject;
  body?: z.ZodMiniType;
  /**
   * The schema of `data` in the success envelope, or of the whole body when `envelope` is false;
   * of each event's data for an event stream, of the messages the server sends on a WebSocket.
   */
  data: z.ZodMiniType;
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

/**
 * The Worker API: the Worker answers exactly these but the one that is a static asset (the OpenAPI
 * document, served before the Worker), and the OpenAPI document describes exactly these.
 */
export const API_ROUTES = {
  healthz: {
    ...ROUTE_TABLE.healthz,
    summary:
      "Version, stack, whether every binding is configured (never its value), and how current status is at this scale",
    data: healthzData,
    errors: [],
  },
  openapi: {
    ...ROUTE_TABLE.openapi,
    summary: "This document",
    data: openApiObject,
    errors: [],
  },
  streamStatus: {
    ...ROUTE_TABLE.streamStatus,
    summary:
      "A channel's live input status, or without `channel` every channel's and whether any is live; " +
      "checked on Stream's delivery host at most once per refresh interval, served stale (`stale: true`) " +
      "for a while when Cloudflare cannot be read",
    query: streamStatusQuery,
    data: streamStatusData,
    upstream: true,
    errors: ["invalid_request", "channel_not_found"],
  },
  probeStatus: {
    ...ROUTE_TABLE.probeStatus,
    summary:
      "The stack's probe live input (not a tenant channel), for post-deploy probes: checked on Cloudflare when the held status is older than a second",
    data: probeStatusData,
    upstream: true,
    errors: ["not_found"],
  },
  streamConnect: {
    ...ROUTE_TABLE.streamConnect,
    summary:
      "Keeps a channel ready: re-enables a disabled live input, returns ingest details and status; when " +
      "Cloudflare cannot be read, the last ingest details read, marked `stale: true`, with a `note`",
    body: streamConnectRequest,
    data: streamConnectData,
    upstream: true,
    errors: ["invalid_json", "invalid_request", "channel_not_found"],
  },
  streamPlaybackToken: {
    ...ROUTE_TABLE.streamPlaybackToken,
    summary:
      "Playback URLs for a channel: a private channel's HLS, DASH and WHEP URLs carry a token the Worker " +
      "signs with the stack's Stream signing key (no call to Cloudflare), valid for `ttl` seconds and " +
      "restricted by `access_rules`; a public channel's are its plain URLs",
    body: playbackTokenRequest,
    data: playbackTokenData,
    mints: true,
    errors: ["invalid_json", "invalid_request", "channel_not_found"],
  },
  turn: {
    ...ROUTE_TABLE.turn,
    summary: "Short-lived TURN credentials",
    body: turnRequest,
    data: turnData,
    mints: true,
    upstream: true,
    errors: ["invalid_json", "invalid_request"],
  },
  sfuSession: {
    ...ROUTE_TABLE.sfuSession,
    summary: "Creates a Realtime SFU session and a token that alone may use it",
    body: sfuSessionRequest,
    data: sfuSessionData,
    mints: true,
    upstream: true,
    errors: ["invalid_json", "invalid_request"],
  },
  sfuTracksNew: {
    ...ROUTE_TABLE.sfuTracksNew,
    summary:
      "Proxies Realtime tracks/new for this session; remote tracks only from sessions of the same tenant and room",
    params: sfuSessionParams,
    body: tracksNewRequest,
    data: tracksNewResponse,
    upstream: true,
    errors: ["invalid_json", "invalid_request"],
  },
  sfuDataChannelsNew: {
    ...ROUTE_TABLE.sfuDataChannelsNew,
    summary:
      "Proxies Realtime datachannels/new for this session; remote channels only from sessions of the same tenant and room",
    params: sfuSessionParams,
    body: dataChannelsNewRequest,
    data: dataChannelsNewResponse,
    upstream: true,
    errors: ["invalid_json", "invalid_request"],
  },
  sfuRenegotiate: {
    ...ROUTE_TABLE.sfuRenegotiate,
    summary: "Proxies Realtime renegotiate for this session",
    params: sfuSessionParams,
    body: renegotiateRequest,
    data: renegotiateResponse,
    upstream: true,
    errors: ["invalid_json", "invalid_request"],
  },
  sfuTracksClose: {
    ...ROUTE_TABLE.sfuTracksClose,
    summary: "Proxies Realtime tracks/close for this session",
    params: sfuSessionParams,
    body: tracksCloseRequest,
    data: tracksCloseResponse,
    upstream: true,
    errors: ["invalid_json", "invalid_request"],
  },
  sfuSessionGet: {
    ...ROUTE_TABLE.sfuSessionGet,
    summary: "Proxies the Realtime session state (tracks, data channels)",
    params: sfuSessionParams,
    data: sessionState,
    upstream: true,
    errors: ["invalid_request"],
  },
  streamChannels: {
    ...ROUTE_TABLE.streamChannels,
    summary: "The tenant's channels",
    data: channelListData,
    errors: [],
  },
  streamEvents: {
    ...ROUTE_TABLE.streamEvents,
    summary:
      "Server-sent events: a channel's status at connect and every change after, heartbeats, Last-Event-ID resume",
    query: streamEventsQuery,
    data: statusEventData,
    upstream: true,
    errors: ["invalid_request", "channel_not_found"],
  },
  streamWebhook: {
    ...ROUTE_TABLE.streamWebhook,
    summary:
      "Receives Cloudflare's live input notifications, and its destination test message; an older event never overwrites a newer status",
    body: webhookDelivery,
    data: webhookData,
    errors: ["invalid_json", "invalid_request"],
  },
  join: {
    ...ROUTE_TABLE.join,
    summary: "Joins a room: peer-to-peer with TURN for 2 participants, an SFU session from the 3rd on",
    body: joinRequest,
    data: joinData,
    mints: true,
    upstream: true,
    errors: ["invalid_json", "invalid_request"],
  },
  roomSocket: {
    ...ROUTE_TABLE.roomSocket,
    summary: "WebSocket to the room: presence, each participant's tracks, signalling and events",
    params: roomSocketParams,
    data: roomServerMessage,
    errors: ["invalid_request", "upgrade_required"],
  },
  dashboardToken: {
    ...ROUTE_TABLE.dashboardToken,
    summary: "A short-lived dashboard token for the tenant key, or a fresh one for a live token",
    data: dashboardTokenData,
    errors: [],
  },
  dashboard: {
    ...ROUTE_TABLE.dashboard,
    summary: "The status dashboard",
    data: z.string(),
    errors: [],
  },
} as const satisfies { [N in RouteName]: ApiRoute };
