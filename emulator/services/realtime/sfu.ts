import { type Context, Hono } from "hono";
import * as z from "zod";
import {
  renegotiateRequest,
  sessionDescription,
  tracksCloseRequest,
  tracksNewRequest,
} from "../../../contracts/cloudflare/realtime.ts";
import type { Env } from "../../core/env.ts";
import type { CallsSecrets } from "../calls/store.ts";
import { realtimeErrors } from "./errors.ts";
import { jsonParams, parseParams, readJson, requireBearer, requireSomeBearer } from "./request.ts";
import type { RealtimeStore } from "./store.ts";

const newSessionQuery = z.object({
  thirdparty: z.enum(["true", "false"]).optional(),
  correlationId: z.string().max(256).optional(),
});
/** Older clients sent their first offer with the new session; the current schema has no body. */
const newSessionBody = z.object({ sessionDescription: z.optional(sessionDescription) }).optional();

function requireOffer(description: { type: string } | undefined, where: string): void {
  if (description && description.type !== "offer") {
    throw realtimeErrors.invalidParams(`sessionDescription.type must be "offer" ${where}`);
  }
}

/**
 * SFU sessions and tracks: `/v1/apps/:appId/...` with the app secret as bearer (docs/reference/cloudflare-api.md §5.2).
 * Media never flows; the SDP is synthetic but well-formed, and the track bookkeeping (who publishes
 * what, per-item errors, renegotiation) follows the real API.
 */
export function sfuRoutes(store: RealtimeStore, calls: CallsSecrets) {
  const routes = new Hono<Env>();
  const appId = (c: Context<Env>) => c.req.param("appId") ?? "";
  const sessionId = (c: Context<Env>) => c.req.param("sessionId") ?? "";
  /** Checks that the session in the path is open before the body is read. */
  const openSession = (c: Context<Env>) => store.openSession(appId(c), sessionId(c));

  routes.use("*", async (c, next) => {
    requireSomeBearer(c);
    const secret = calls.sfuAppSecret(appId(c));
    if (secret === undefined) throw realtimeErrors.notFound("app");
    requireBearer(c, secret);
    await next();
  });

  routes.post("/sessions/new", async (c) => {
    parseParams(newSessionQuery, c.req.query());
    const body = parseParams(newSessionBody, await readJson(c));
    requireOffer(body?.sessionDescription, "when creating a session");
    return c.json(store.newSession(appId(c), body?.sessionDescription?.sdp), 201);
  });

  routes.post("/sessions/:sessionId/tracks/new", async (c) => {
    openSession(c);
    const body = await jsonParams(c, tracksNewRequest);
    const locations = new Set(body.tracks.map((t) => t.location));
    if (locations.has(undefined)) throw realtimeErrors.invalidParams("every track needs location");
    if (locations.size > 1) {
      throw realtimeErrors.invalidParams("a batch of tracks must be all local or all remote");
    }
    requireOffer(body.sessionDescription, "in tracks/new");
    if (locations.has("local") && !body.sessionDescription) {
      throw realtimeErrors.invalidParams(
        "publishing local tracks needs the client's sessionDescription offer",
      );
    }
    return c.json(store.addTracks(appId(c), sessionId(c), body));
  });

  routes.put("/sessions/:sessionId/renegotiate", async (c) => {
    openSession(c);
    const { sessionDescription: answer } = await jsonParams(c, renegotiateRequest);
    if (answer.type !== "answer")
      throw realtimeErrors.invalidParams('sessionDescription.type must be "answer"');
    store.renegotiate(appId(c), sessionId(c), answer.sdp);
    return c.json({});
  });

  routes.put("/sessions/:sessionId/tracks/close", async (c) => {
    openSession(c);
    const body = await jsonParams(c, tracksCloseRequest);
    requireOffer(body.sessionDescription, "in tracks/close");
    return c.json(store.closeTracks(appId(c), sessionId(c), body));
  });

  routes.get("/sessions/:sessionId", (c) => {
    const s = openSession(c);
    return c.json({
      tracks: s.tracks.map(({ location, mid, trackName, kind, sessionId, status }) => ({
        location,
        mid,
        trackName,
        ...(kind === "audio" || kind === "video" ? { kind } : {}),
        ...(sessionId ? { sessionId } : {}),
        status,
      })),
      dataChannels: [],
    });
  });

  return routes;
}
