import { Hono } from "hono";
import type { Env } from "../../context.ts";
import { domainRoutes } from "./domains.ts";
import { scheduleRoutes } from "./schedules.ts";
import { scriptRoutes } from "./scripts.ts";
import { secretRoutes } from "./secrets.ts";
import { settingsRoutes } from "./settings.ts";
import { accountSubdomainRoutes, scriptSubdomainRoutes } from "./subdomains.ts";

/** Cloudflare Workers: `/accounts/:account_id/workers` (docs/reference/cloudflare-api.md §6). */
export const workersRoutes = new Hono<Env>();

workersRoutes.route("/scripts", scriptRoutes);
workersRoutes.route("/scripts/:script_name", settingsRoutes);
workersRoutes.route("/scripts/:script_name/secrets", secretRoutes);
workersRoutes.route("/scripts/:script_name/schedules", scheduleRoutes);
workersRoutes.route("/scripts/:script_name/subdomain", scriptSubdomainRoutes);
workersRoutes.route("/subdomain", accountSubdomainRoutes);
workersRoutes.route("/domains", domainRoutes);
