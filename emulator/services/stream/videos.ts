import { type Context, Hono } from "hono";
import * as z from "zod";
import type { Env } from "../../core/env.ts";
import { cfErrors } from "../../core/errors.ts";
import { cfOk } from "../../core/respond.ts";
import { parseOrThrow } from "../../core/validate.ts";
import type { RequirePermission } from "../tokens/check.ts";
import type { StoredVideo, StreamStore } from "./store.ts";

/** `GET /stream`'s query as the SDK sends it (`StreamListParams`, docs/reference/cloudflare-api.md §1.7). */
const listQuery = z.object({
  live_input_id: z.string().max(32).optional(),
  status: z.string().optional(),
  asc: z.enum(["true", "false"]).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(1000),
  before: z.iso.datetime({ offset: true }).optional(),
  end: z.iso.datetime({ offset: true }).optional(),
  after: z.iso.datetime({ offset: true }).optional(),
  start: z.iso.datetime({ offset: true }).optional(),
});

const videoId = z.string().max(32);

/** A video as Stream answers it ([SDK] `Video`): playback under the delivery host, like an input's. */
export function videoView(video: Readonly<StoredVideo>, deliveryBase: string) {
  const ready = video.state === "ready";
  return {
    uid: video.uid,
    created: video.created,
    modified: video.modified,
    uploaded: video.created,
    liveInput: video.liveInput,
    meta: video.meta,
    creator: null,
    duration: video.duration,
    input: { width: -1, height: -1 },
    maxDurationSeconds: -1,
    playback: {
      hls: `${deliveryBase}/${video.uid}/manifest/video.m3u8`,
      dash: `${deliveryBase}/${video.uid}/manifest/video.mpd`,
    },
    preview: `${deliveryBase}/${video.uid}/watch`,
    thumbnail: `${deliveryBase}/${video.uid}/thumbnails/thumbnail.jpg`,
    thumbnailTimestampPct: 0,
    readyToStream: ready,
    readyToStreamAt: video.readyToStreamAt,
    requireSignedURLs: false,
    allowedOrigins: [],
    scheduledDeletion: video.scheduledDeletion,
    size: 0,
    status: {
      state: video.state,
      pctComplete: ready ? "100.000000" : "",
      errorReasonCode: "",
      errorReasonText: "",
    },
    uploadExpiry: null,
    watermark: null,
  };
}

/**
 * Stream videos: `GET /accounts/:account_id/stream` (filtered by `live_input_id` and dates, newest
 * first unless `asc`), `GET` and `DELETE …/stream/:identifier` ([SDK] `client.stream.list/get/delete`).
 */
export function videoRoutes(
  store: StreamStore,
  requirePermission: RequirePermission,
  deliveryBase: () => string,
) {
  const routes = new Hono<Env>();
  const uidOf = (c: Context<Env>) => {
    const id = c.req.param("identifier") ?? "";
    if (!videoId.safeParse(id).success) throw cfErrors.notFound("Video");
    return id;
  };

  routes.get("/", requirePermission("Stream Read"), (c) => {
    const q = parseOrThrow(listQuery, c.req.query());
    const before = q.before ?? q.end;
    const after = q.after ?? q.start;
    const matching = store
      .listVideos(q.live_input_id === undefined ? {} : { liveInput: q.live_input_id })
      .filter((v) => q.status === undefined || v.state === q.status)
      .filter((v) => before === undefined || Date.parse(v.created) < Date.parse(before))
      .filter((v) => after === undefined || Date.parse(v.created) > Date.parse(after));
    const ordered = q.asc === "true" ? [...matching].reverse() : matching;
    const page = ordered.slice(0, q.limit).map((v) => videoView(v, deliveryBase()));
    return c.json({
      success: true,
      errors: [],
      messages: [],
      result: page,
      range: page.length,
      total: matching.length,
    });
  });

  routes.get("/:identifier", requirePermission("Stream Read"), (c) =>
    cfOk(c, videoView(store.findVideo(uidOf(c)), deliveryBase())),
  );

  routes.delete("/:identifier", requirePermission("Stream Write"), (c) => {
    store.deleteVideo(uidOf(c));
    return cfOk(c, null);
  });

  return routes;
}
