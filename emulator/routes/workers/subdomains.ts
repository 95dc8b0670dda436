import { Hono } from "hono";
import {
  workerScriptSubdomainWrite,
  workersAccountSubdomain,
} from "../../../contracts/cloudflare/workers.ts";
import { requirePermission } from "../../auth.ts";
import type { Env } from "../../context.ts";
import { cfOk } from "../../respond.ts";
import { jsonBody } from "../../validate.ts";
import { findScript, saveScript, WORKERS_READ, WORKERS_WRITE } from "./script-context.ts";
import { subdomainView } from "./views.ts";

/** A script's workers.dev route: `/accounts/:account_id/workers/scripts/:script_name/subdomain` (docs/reference/cloudflare-api.md §6.3). */
export const scriptSubdomainRoutes = new Hono<Env>();

scriptSubdomainRoutes.get("/", requirePermission(WORKERS_READ), (c) => cfOk(c, subdomainView(findScript(c))));

scriptSubdomainRoutes.post("/", requirePermission(WORKERS_WRITE), async (c) => {
  const script = findScript(c);
  const body = await jsonBody(c, workerScriptSubdomainWrite);
  // Preview URLs follow the Worker's own route unless set apart, as wrangler's `preview_urls` does.
  const subdomain = { enabled: body.enabled, previews_enabled: body.previews_enabled ?? body.enabled };
  const updated = { ...script, subdomain };
  saveScript(c, updated);
  return cfOk(c, subdomainView(updated));
});

scriptSubdomainRoutes.delete("/", requirePermission(WORKERS_WRITE), (c) => {
  const updated = { ...findScript(c), subdomain: { enabled: false, previews_enabled: false } };
  saveScript(c, updated);
  return cfOk(c, subdomainView(updated));
});

/** The account's `<subdomain>.workers.dev`: `/accounts/:account_id/workers/subdomain`. */
export const accountSubdomainRoutes = new Hono<Env>();

accountSubdomainRoutes.get("/", requirePermission(WORKERS_READ), (c) =>
  cfOk(c, { subdomain: c.get("services").state.data.workersSubdomain }),
);

accountSubdomainRoutes.put("/", requirePermission(WORKERS_WRITE), async (c) => {
  const { subdomain } = await jsonBody(c, workersAccountSubdomain);
  const { state } = c.get("services");
  state.data.workersSubdomain = subdomain;
  state.persist();
  return cfOk(c, { subdomain });
});
