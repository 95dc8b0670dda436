import { Hono } from "hono";
import type { Env } from "../../core/env.ts";
import { assetSessionRoutes } from "./assets.ts";
import { domainRoutes } from "./domains.ts";
import { scheduleRoutes } from "./schedules.ts";
import type { WorkersRouteDeps } from "./script-context.ts";
import { scriptRoutes } from "./scripts.ts";
import { secretRoutes } from "./secrets.ts";
import { settingsRoutes } from "./settings.ts";
import { accountSubdomainRoutes, scriptSubdomainRoutes } from "./subdomains.ts";

/**
 * Cloudflare Workers: `/accounts/:account_id/workers` (docs/reference/cloudflare-api.md §6), but for
 * the static assets upload, mounted on its own for its own body limit (index.ts).
 */
export function workersRoutes(deps: WorkersRouteDeps) {
  const routes = new Hono<Env>();
  routes.route("/scripts", scriptRoutes(deps));
  routes.route("/scripts/:script_name", settingsRoutes(deps));
  routes.route("/scripts/:script_name/secrets", secretRoutes(deps));
  routes.route("/scripts/:script_name/schedules", scheduleRoutes(deps));
  routes.route("/scripts/:script_name/subdomain", scriptSubdomainRoutes(deps));
  routes.route("/scripts/:script_name/assets-upload-session", assetSessionRoutes(deps));
  routes.route("/subdomain", accountSubdomainRoutes(deps));
  routes.route("/domains", domainRoutes(deps));
  return routes;
}
