import { type Context, Hono } from "hono";
import * as z from "zod";
import {
  dataChannelsNewRequest,
  renegotiateRequest,
  sessionDescription,
  tracksCloseRequest,
  tracksNewRequest,
} from "#contracts/cloudflare/realtime.ts";
import type { Env } from "../../core/env.ts";
import type { CallsSecrets } from "../calls/store.ts";
import { realtimeErrors } from "./errors.ts";
import { jsonParams, parseParams, readJson, requireBearer, requireSomeBearer } from "./request.ts";
import type { SessionCallLimit } from "./session-call-limit.ts";
import type { SfuOperations } from "./sfu-operations.ts";

/** A call on one session (everything under `/sessions/<id>`, not `/sessions/new`), the limit's unit. */
const SESSION_PATH = /\/sessions\/(?!new$)([^/]+)/;

/** Cloudflare's limit on tracks added by one call (docs/reference/media-and-providers.md §3). */
export const MAX_TRACKS_PER_REQUEST = 64;

const newSessionQuery = z.object({
  thirdparty: z.enum(["true", "false"]).optional(),
  correlationId: z.string().max(256).optional(),
});
/** The current schema has no body; older clients sent their first offer with it. */
const newSessionBody = z.object({ sessionDescription: z.optional(sessionDescription) }).optional();

function requireOffer(description: { type: string } | undefined, where: string): void {
  if (description && description.type !== "offer") {
    throw realtimeErrors.invalidParams(`sessionDescription.type must be "offer" ${where}`);
  }
}

/** One location per batch, for tracks and DataChannels alike (docs/reference/cloudflare-api.md §5.2). */
function requireOneLocation(locations: Set<string | undefined>, what: string): void {
  if (locations.has(undefined)) throw realtimeErrors.invalidParams(`every ${what} needs location`);
  if (locations.size > 1) {
    throw realtimeErrors.invalidParams(`a batch of ${what}s must be all local or all remote`);
  }
}

/**
 * SFU sessions, tracks and DataChannels: `/v1/apps/:appId/...` with the app secret as bearer, as
 * Cloudflare's Realtime OpenAPI (realtime-api-2024-05-21.yaml, [RTC]) and docs describe them:
 * docs/reference/cloudflare-api.md §5.2. Media flows: the media plane (werift) negotiates each
 * session's connection and forwards RTP and DataChannel messages between them.
 */
export function sfuRoutes(sfu: SfuOperations, calls: CallsSecrets, sessionCalls: SessionCallLimit) {
  const routes = new Hono<Env>();
  const appId = (c: Context<Env>) => c.req.param("appId") ?? "";
  const sessionId = (c: Context<Env>) => c.req.param("sessionId") ?? "";

  routes.use("*", async (c, next) => {
    requireSomeBearer(c);
    const secret = calls.sfuAppSecret(appId(c));
    if (secret === undefined) throw realtimeErrors.notFound("app");
    requireBearer(c, secret);
    const session = SESSION_PATH.exec(c.req.path)?.[1];
    const refused = session === undefined ? undefined : sessionCalls.take(session);
    if (refused) throw realtimeErrors.rateLimited(refused.retryAfterSeconds);
    await next();
  });

  routes.post("/sessions/new", async (c) => {
    parseParams(newSessionQuery, c.req.query());
    const body = parseParams(newSessionBody, await readJson(c));
    requireOffer(body?.sessionDescription, "when creating a session");
    return c.json(await sfu.newSession(appId(c), body?.sessionDescription?.sdp), 201);
  });

  routes.post("/sessions/:sessionId/tracks/new", async (c) => {
    sfu.open(appId(c), sessionId(c));
    const body = await jsonParams(c, tracksNewRequest);
    if (body.tracks.length > MAX_TRACKS_PER_REQUEST) {
      throw realtimeErrors.invalidParams(
        `at most ${MAX_TRACKS_PER_REQUEST} tracks can be added in one call; got ${body.tracks.length}`,
      );
    }
    const locations = new Set(body.tracks.map((t) => t.location));
    requireOneLocation(locations, "track");
    requireOffer(body.sessionDescription, "in tracks/new");
    if (locations.has("local") && !body.sessionDescription) {
      throw realtimeErrors.invalidParams(
        "publishing local tracks needs the client's sessionDescription offer",
      );
    }
    return c.json(await sfu.tracksNew(appId(c), sessionId(c), body));
  });

  routes.put("/sessions/:sessionId/renegotiate", async (c) => {
    sfu.open(appId(c), sessionId(c));
    const { sessionDescription: answer } = await jsonParams(c, renegotiateRequest);
    if (answer.type !== "answer")
      throw realtimeErrors.invalidParams('sessionDescription.type must be "answer"');
    return c.json(await sfu.renegotiate(appId(c), sessionId(c), answer.sdp));
  });

  routes.put("/sessions/:sessionId/tracks/close", async (c) => {
    sfu.open(appId(c), sessionId(c));
    const body = await jsonParams(c, tracksCloseRequest);
    requireOffer(body.sessionDescription, "in tracks/close");
    return c.json(await sfu.tracksClose(appId(c), sessionId(c), body));
  });

  routes.post("/sessions/:sessionId/datachannels/new", async (c) => {
    sfu.open(appId(c), sessionId(c));
    const body = await jsonParams(c, dataChannelsNewRequest);
    requireOneLocation(new Set(body.dataChannels.map((d) => d.location)), "DataChannel");
    for (const channel of body.dataChannels) {
      if (!channel.dataChannelName)
        throw realtimeErrors.invalidParams("every DataChannel needs dataChannelName");
      if (channel.location === "remote" && !channel.sessionId) {
        throw realtimeErrors.invalidParams("a remote DataChannel needs the publisher's sessionId");
      }
      if (channel.maxRetransmits !== undefined && channel.maxPacketLifeTime !== undefined) {
        throw realtimeErrors.invalidParams("set at most one of maxRetransmits and maxPacketLifeTime");
      }
      if (channel.waitForAck || channel.canReply) {
        throw realtimeErrors.invalidParams("waitForAck and canReply are not emulated locally");
      }
    }
    return c.json(await sfu.dataChannelsNew(appId(c), sessionId(c), body));
  });

  routes.get("/sessions/:sessionId", (c) => c.json(sfu.get(appId(c), sessionId(c))));

  return routes;
}
