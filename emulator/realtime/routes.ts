import { Hono } from "hono";
import type { Env } from "../context.ts";
import { realtimeErrorResponse, realtimeErrors } from "./errors.ts";
import { sfuRoutes } from "./sfu.ts";
import { turnRoutes } from "./turn.ts";

/** The Realtime API (rtc.live.cloudflare.com), mounted under `/v1`: no envelope, `errorCode` errors. */
export const realtimeRoutes = new Hono<Env>();

realtimeRoutes.route("/turn/keys/:key_id/credentials", turnRoutes);
realtimeRoutes.route("/apps/:appId", sfuRoutes);

// A mounted app's notFound is not consulted by its parent, so unknown paths end here instead.
realtimeRoutes.all("*", (c) => {
  throw realtimeErrors.notFound(`route ${c.req.method} ${c.req.path}`);
});
realtimeRoutes.onError(realtimeErrorResponse);
