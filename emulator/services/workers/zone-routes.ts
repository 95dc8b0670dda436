import { Hono } from "hono";
import * as z from "zod";
import { workerRouteWrite } from "#contracts/cloudflare/workers.ts";
import type { Env } from "../../core/env.ts";
import { cfErrors } from "../../core/errors.ts";
import { newTag } from "../../core/ids.ts";
import { cfOk } from "../../core/respond.ts";
import { jsonBody } from "../../core/validate.ts";
import type { WorkersRouteDeps } from "./script-context.ts";
import type { StoredWorkerRoute } from "./store.ts";

/** The emulator models account permissions only: on a zone path any valid token passes. */
const ZONE_SCOPED = null;

const zoneTag = z.string().regex(/^[0-9a-f]{32}$/);

const view = ({ id, pattern, script }: StoredWorkerRoute) => ({ id, pattern, ...(script ? { script } : {}) });

/**
 * A zone's Worker routes: `/zones/:zone_id/workers/routes` (SDK `client.workers.routes`: create,
 * list, get, update, delete). There is no zone registry: any zone id is a zone of the account.
 */
export function zoneWorkerRoutes({ store, requirePermission }: WorkersRouteDeps) {
  const routes = new Hono<Env>();
  const zoneOf = (c: { req: { param(k: "zone_id"): string | undefined } }) => c.req.param("zone_id") ?? "";

  routes.use("*", async (c, next) => {
    if (!zoneTag.safeParse(zoneOf(c)).success) throw cfErrors.notFound("Zone");
    await next();
  });

  routes.post("/", requirePermission(ZONE_SCOPED), async (c) => {
    const body = await jsonBody(c, workerRouteWrite);
    const route: StoredWorkerRoute = {
      id: newTag(),
      zoneId: zoneOf(c),
      pattern: body.pattern,
      ...(body.script ? { script: body.script } : {}),
    };
    store.putRoute(route);
    return cfOk(c, view(route));
  });

  routes.get("/", requirePermission(ZONE_SCOPED), (c) => cfOk(c, store.zoneRoutes(zoneOf(c)).map(view)));

  routes.get("/:route_id", requirePermission(ZONE_SCOPED), (c) =>
    cfOk(c, view(store.findRoute(zoneOf(c), c.req.param("route_id")))),
  );

  routes.put("/:route_id", requirePermission(ZONE_SCOPED), async (c) => {
    const { id, zoneId } = store.findRoute(zoneOf(c), c.req.param("route_id"));
    const body = await jsonBody(c, workerRouteWrite);
    const route: StoredWorkerRoute = {
      id,
      zoneId,
      pattern: body.pattern,
      ...(body.script ? { script: body.script } : {}),
    };
    store.putRoute(route);
    return cfOk(c, view(route));
  });

  routes.delete("/:route_id", requirePermission(ZONE_SCOPED), (c) => {
    const route = store.deleteRoute(zoneOf(c), c.req.param("route_id"));
    return cfOk(c, { id: route.id });
  });

  return routes;
}
