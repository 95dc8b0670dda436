import { fileURLToPath } from "node:url";

/**
 * What the Worker needs from the platform, declared once: the Pulumi program deploys with these,
 * and a test holds worker/wrangler.jsonc (local runs and the Worker's own tests) to the same values.
 */

export const WORKER_ENTRY = fileURLToPath(new URL("../worker/src/index.ts", import.meta.url));
export const WORKER_MAIN_MODULE = "index.js";
export const COMPATIBILITY_DATE = "2026-04-01";
export const COMPATIBILITY_FLAGS = ["nodejs_compat"];

/** The Worker's Durable Object classes, each with the binding the Worker reaches it by. */
export const DURABLE_OBJECTS = [
  { binding: "CHANNEL_STATUS", className: "ChannelStatus" },
  { binding: "RATE_LIMITER", className: "RateLimiter" },
] as const;

/**
 * The migration every deploy carries, in the shape Cloudflare's Terraform provider documents: v1
 * creates each class with SQLite storage (the only kind the Workers Free plan allows). A later
 * class change needs a new tag with `oldTag: "v1"` and only that change.
 */
export const DURABLE_OBJECT_MIGRATION = {
  newTag: "v1",
  newSqliteClasses: DURABLE_OBJECTS.map((d) => d.className),
};

/** The status refresh: the Worker re-reads every live input's state once a minute. */
export const STATUS_REFRESH_CRON = "* * * * *";
