import { Hono } from "hono";
import type { Env } from "../context.ts";
import { callsRoutes } from "./calls.ts";
import { notificationRoutes } from "./notifications.ts";
import { streamRoutes } from "./stream.ts";
import { tokenRoutes } from "./tokens.ts";
import { workersRoutes } from "./workers/index.ts";
import { zoneWorkerRoutes } from "./workers/zone-routes.ts";

/** Cloudflare REST API v4, mounted under `/client/v4`. */
export const v4Routes = new Hono<Env>();

v4Routes.route("/accounts/:account_id/stream/live_inputs", streamRoutes);
v4Routes.route("/accounts/:account_id/calls", callsRoutes);
v4Routes.route("/accounts/:account_id/tokens", tokenRoutes);
v4Routes.route("/accounts/:account_id/alerting/v3", notificationRoutes);
v4Routes.route("/accounts/:account_id/workers", workersRoutes);
v4Routes.route("/zones/:zone_id/workers/routes", zoneWorkerRoutes);
