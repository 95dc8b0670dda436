import { type Context, Hono } from "hono";
import * as z from "zod";
import {
  renegotiateRequest,
  sessionDescription,
  tracksCloseRequest,
  tracksNewRequest,
} from "../../contracts/cloudflare/realtime.ts";
import type { Env } from "../context.ts";
import { ownEntry } from "../routes/lookup.ts";
import { realtimeErrors } from "./errors.ts";
import { jsonParams, parseParams, readJson, requireBearer, requireSomeBearer } from "./request.ts";
import {
  acceptAnswer,
  addLocalTrack,
  addRemoteTrack,
  answerOffer,
  closeTrack,
  createSession,
  offerMedia,
  openSession,
  type SfuSession,
} from "./sfu-session.ts";

/**
 * SFU sessions and tracks: `/v1/apps/:appId/...` with the app secret as bearer (docs/reference/cloudflare-api.md §5.2).
 * Media never flows; the SDP is synthetic but well-formed, and the track bookkeeping (who publishes
 * what, per-item errors, renegotiation) follows the real API.
 */
export const sfuRoutes = new Hono<Env>();

const newSessionQuery = z.object({
  thirdparty: z.enum(["true", "false"]).optional(),
  correlationId: z.string().max(256).optional(),
});
/** Older clients sent their first offer with the new session; the current schema has no body. */
const newSessionBody = z.object({ sessionDescription: z.optional(sessionDescription) }).optional();

sfuRoutes.use("*", async (c, next) => {
  requireSomeBearer(c);
  const app = ownEntry(c.get("services").state.data.sfuApps, c.req.param("appId"));
  if (!app) throw realtimeErrors.notFound("app");
  requireBearer(c, app.secret);
  await next();
});

function session(c: Context<Env>): SfuSession {
  return openSession(c.get("services").state.data, c.req.param("appId")!, c.req.param("sessionId")!);
}

function requireOffer(description: { type: string } | undefined, where: string): void {
  if (description && description.type !== "offer") {
    throw realtimeErrors.invalidParams(`sessionDescription.type must be "offer" ${where}`);
  }
}

const persist = (c: Context<Env>) => c.get("services").state.persist();

sfuRoutes.post("/sessions/new", async (c) => {
  parseParams(newSessionQuery, c.req.query());
  const body = parseParams(newSessionBody, await readJson(c));
  requireOffer(body?.sessionDescription, "when creating a session");
  const created = createSession(c.get("services").state.data, c.req.param("appId")!);
  const offer = body?.sessionDescription;
  const answer = offer ? answerOffer(created, offer.sdp).description : undefined;
  persist(c);
  return c.json({ sessionId: created.id, ...(answer ? { sessionDescription: answer } : {}) }, 201);
});

sfuRoutes.post("/sessions/:sessionId/tracks/new", async (c) => {
  const s = session(c);
  const body = await jsonParams(c, tracksNewRequest);
  const locations = new Set(body.tracks.map((t) => t.location));
  if (locations.has(undefined)) throw realtimeErrors.invalidParams("every track needs location");
  if (locations.size > 1) {
    throw realtimeErrors.invalidParams("a batch of tracks must be all local or all remote");
  }
  requireOffer(body.sessionDescription, "in tracks/new");
  const publishing = locations.has("local");
  if (publishing && !body.sessionDescription) {
    throw realtimeErrors.invalidParams("publishing local tracks needs the client's sessionDescription offer");
  }
  const { data } = c.get("services").state;
  const answered = body.sessionDescription ? answerOffer(s, body.sessionDescription.sdp) : undefined;
  const mediaBefore = s.media.length;
  const tracks = body.tracks.map((item) =>
    publishing ? addLocalTrack(s, item, answered!.offered) : addRemoteTrack(data, s, item, answered?.offered),
  );
  const offer = !answered && s.media.length > mediaBefore ? offerMedia(s) : undefined;
  persist(c);
  const description = answered?.description ?? offer;
  return c.json({
    requiresImmediateRenegotiation: offer !== undefined,
    ...(description ? { sessionDescription: description } : {}),
    tracks,
  });
});

sfuRoutes.put("/sessions/:sessionId/renegotiate", async (c) => {
  const s = session(c);
  const { sessionDescription: answer } = await jsonParams(c, renegotiateRequest);
  if (answer.type !== "answer")
    throw realtimeErrors.invalidParams('sessionDescription.type must be "answer"');
  acceptAnswer(s, answer.sdp);
  persist(c);
  return c.json({});
});

sfuRoutes.put("/sessions/:sessionId/tracks/close", async (c) => {
  const s = session(c);
  const body = await jsonParams(c, tracksCloseRequest);
  requireOffer(body.sessionDescription, "in tracks/close");
  const tracks = body.tracks.map(({ mid }) => closeTrack(s, mid));
  const answer = body.sessionDescription
    ? answerOffer(s, body.sessionDescription.sdp).description
    : undefined;
  persist(c);
  return c.json({
    tracks,
    ...(answer ? { sessionDescription: answer } : {}),
    requiresImmediateRenegotiation: false,
  });
});

sfuRoutes.get("/sessions/:sessionId", (c) => {
  const s = session(c);
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
