import { Hono } from "hono";
import { workerScriptSubdomainWrite, workersAccountSubdomain } from "#contracts/cloudflare/workers.ts";
import type { Env } from "../../core/env.ts";
import { cfOk } from "../../core/respond.ts";
import { jsonBody } from "../../core/validate.ts";
import { findScript, WORKERS_READ, WORKERS_WRITE, type WorkersRouteDeps } from "./script-context.ts";
import { subdomainView } from "./views.ts";

/** A script's workers.dev route: `/accounts/:account_id/workers/scripts/:script_name/subdomain` (docs/reference/cloudflare-api.md §6.3). */
export function scriptSubdomainRoutes({ store, requirePermission }: WorkersRouteDeps) {
  const routes = new Hono<Env>();

  routes.get("/", requirePermission(WORKERS_READ), (c) => cfOk(c, subdomainView(findScript(store, c))));

  routes.post("/", requirePermission(WORKERS_WRITE), async (c) => {
    const script = findScript(store, c);
    const body = await jsonBody(c, workerScriptSubdomainWrite);
    // Preview URLs follow the Worker's own route unless set apart, as wrangler's `preview_urls` does.
    const subdomain = { enabled: body.enabled, previews_enabled: body.previews_enabled ?? body.enabled };
    const updated = { ...script, subdomain };
    store.put(updated);
    return cfOk(c, subdomainView(updated));
  });

  routes.delete("/", requirePermission(WORKERS_WRITE), (c) => {
    const updated = { ...findScript(store, c), subdomain: { enabled: false, previews_enabled: false } };
    store.put(updated);
    return cfOk(c, subdomainView(updated));
  });

  return routes;
}

/** The account's `<subdomain>.workers.dev`: `/accounts/:account_id/workers/subdomain`. */
export function accountSubdomainRoutes({ store, requirePermission }: WorkersRouteDeps) {
  const routes = new Hono<Env>();

  routes.get("/", requirePermission(WORKERS_READ), (c) => cfOk(c, { subdomain: store.subdomain }));

  routes.put("/", requirePermission(WORKERS_WRITE), async (c) => {
    const { subdomain } = await jsonBody(c, workersAccountSubdomain);
    store.setSubdomain(subdomain);
    return cfOk(c, { subdomain });
  });

  return routes;
}
