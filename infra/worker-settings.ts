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
  { binding: "ROOM", className: "Room" },
] as const;

/**
 * Every Durable Object migration ever shipped, oldest first, as wrangler keeps them: append a new
 * tag for a class change, never edit a shipped one. A deploy sends only the migrations after the
 * tag the deployed script is at (infra/worker-migrations.ts), since Cloudflare refuses a replay.
 */
export const DURABLE_OBJECT_MIGRATIONS: readonly { tag: string; newSqliteClasses: readonly string[] }[] = [
  { tag: "v1", newSqliteClasses: ["ChannelStatus", "RateLimiter"] },
  { tag: "v2", newSqliteClasses: ["Room"] },
];

/** The status refresh: the Worker re-reads every live input's state once a minute. */
export const STATUS_REFRESH_CRON = "* * * * *";
