import { Hono } from "hono";
import * as z from "zod";
import { workerRouteWrite } from "../../../contracts/cloudflare/workers.ts";
import { requirePermission } from "../../auth.ts";
import type { Env } from "../../context.ts";
import { cfErrors } from "../../errors.ts";
import { newTag } from "../../ids.ts";
import { cfOk } from "../../respond.ts";
import type { EmulatorData } from "../../state.ts";
import { jsonBody } from "../../validate.ts";
import { findOr404 } from "../lookup.ts";

export interface StoredWorkerRoute {
  id: string;
  zoneId: string;
  pattern: string;
  script?: string;
}

/** The emulator models account permissions only: on a zone path any valid token passes, as for other zone paths. */
const ZONE_SCOPED = null;

const zoneTag = z.string().regex(/^[0-9a-f]{32}$/);

/** Routes are kept per account; a zone only sees its own. Older state files have none yet. */
function routesOf(data: EmulatorData): Record<string, StoredWorkerRoute> {
  data.workerRoutes ??= {};
  return data.workerRoutes;
}

const view = ({ id, pattern, script }: StoredWorkerRoute) => ({ id, pattern, ...(script ? { script } : {}) });

/**
 * A zone's Worker routes: `/zones/:zone_id/workers/routes` (SDK `client.workers.routes`: create,
 * list, get, update, delete). The emulator has no zone registry: any zone id is a zone of the account.
 */
export const zoneWorkerRoutes = new Hono<Env>();

/** The route, if it belongs to the zone in the path; another zone's route is not found. */
function zoneRoute(
  c: { req: { param(k: string): string | undefined } },
  data: EmulatorData,
): StoredWorkerRoute {
  const route = findOr404(routesOf(data), c.req.param("route_id") ?? "", "Route");
  if (route.zoneId !== c.req.param("zone_id")) throw cfErrors.notFound("Route");
  return route;
}

zoneWorkerRoutes.use("*", async (c, next) => {
  if (!zoneTag.safeParse(c.req.param("zone_id")).success) throw cfErrors.notFound("Zone");
  await next();
});

zoneWorkerRoutes.post("/", requirePermission(ZONE_SCOPED), async (c) => {
  const body = await jsonBody(c, workerRouteWrite);
  const { state } = c.get("services");
  const route: StoredWorkerRoute = {
    id: newTag(),
    zoneId: c.req.param("zone_id")!,
    pattern: body.pattern,
    ...(body.script ? { script: body.script } : {}),
  };
  routesOf(state.data)[route.id] = route;
  state.persist();
  return cfOk(c, view(route));
});

zoneWorkerRoutes.get("/", requirePermission(ZONE_SCOPED), (c) => {
  const zone = c.req.param("zone_id");
  return cfOk(
    c,
    Object.values(routesOf(c.get("services").state.data))
      .filter((r) => r.zoneId === zone)
      .map(view),
  );
});

zoneWorkerRoutes.get("/:route_id", requirePermission(ZONE_SCOPED), (c) =>
  cfOk(c, view(zoneRoute(c, c.get("services").state.data))),
);

zoneWorkerRoutes.put("/:route_id", requirePermission(ZONE_SCOPED), async (c) => {
  const { state } = c.get("services");
  const route = zoneRoute(c, state.data);
  const body = await jsonBody(c, workerRouteWrite);
  route.pattern = body.pattern;
  if (body.script) route.script = body.script;
  else delete route.script;
  state.persist();
  return cfOk(c, view(route));
});

zoneWorkerRoutes.delete("/:route_id", requirePermission(ZONE_SCOPED), (c) => {
  const { state } = c.get("services");
  const route = zoneRoute(c, state.data);
  delete routesOf(state.data)[route.id];
  state.persist();
  return cfOk(c, { id: route.id });
});
