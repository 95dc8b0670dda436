import { fileURLToPath } from "node:url";
import { ROUTE_TABLE, type RouteLine } from "#contracts/api/route-table.ts";

/**
 * What the Worker needs from the platform, declared once: the Pulumi program deploys with these,
 * and a test holds worker/wrangler.jsonc (local runs and the Worker's own tests) to the same values.
 */

export const WORKER_ENTRY = fileURLToPath(new URL("../worker/src/index.ts", import.meta.url));
export const WORKER_MAIN_MODULE = "index.js";
export const COMPATIBILITY_DATE = "2026-04-01";
export const COMPATIBILITY_FLAGS = ["nodejs_compat"];

/**
 * The paths Cloudflare hands to the Worker without looking for a static asset first
 * (`assets.config.run_worker_first`, developers.cloudflare.com/workers/static-assets/routing/worker-script/):
 * every route of the route table but the dashboard's page, by its first segment (`/api/*`,
 * `/healthz`), since no asset ever answers them. An API call then skips the asset lookup, which
 * costs every call about half a millisecond in local workerd. The page and its files stay
 * assets-first. A route that is itself an asset (the OpenAPI document) gets a negative `!/` rule,
 * so that Cloudflare serves its file, as in Cloudflare's own `["/api/*", "!/api/docs/*"]` example
 * (developers.cloudflare.com/changelog/2025-06-17-advanced-routing/).
 */
const routes = Object.values(ROUTE_TABLE as Record<string, RouteLine>);
export const WORKER_FIRST_PATHS = [
  ...new Set(
    routes
      .filter((route) => route.produces !== "html" && !route.asset)
      .flatMap((route) => [route.path, ...(route.aliases ?? [])])
      .map((path) => {
        const [first, ...rest] = path.slice(1).split("/");
        return rest.length > 0 ? `/${first}/*` : `/${first}`;
      }),
  ),
  ...routes.filter((route) => route.asset).map((route) => `!${route.path}`),
];

/** The Worker's Durable Object classes, each with the binding the Worker reaches it by. */
export const DURABLE_OBJECTS = [
  { binding: "CHANNEL_STATUS", className: "ChannelStatus" },
  { binding: "ROOM", className: "Room" },
  { binding: "TENANT_BUDGET", className: "TenantBudget" },
] as const;

/** One migration: the classes it creates (SQLite-backed) and the ones it renames, objects and storage kept. */
export interface DurableObjectMigration {
  tag: string;
  newSqliteClasses?: readonly string[];
  renamedClasses?: readonly { from: string; to: string }[];
}

/**
 * Every Durable Object migration ever shipped, oldest first, as wrangler keeps them: append a new
 * tag for a class change, never edit a shipped one. A deploy sends only the migrations after the
 * tag the deployed script is at (infra/worker-migrations.ts), since Cloudflare refuses a replay.
 * Renaming a class without a `renamedClasses` step would orphan its objects, and Cloudflare refuses
 * an upload that stops exporting a class that has objects.
 */
export const DURABLE_OBJECT_MIGRATIONS: readonly DurableObjectMigration[] = [
  { tag: "v1", newSqliteClasses: ["ChannelStatus", "RateLimiter"] },
  { tag: "v2", newSqliteClasses: ["Room"] },
  // The per-tenant limiter now meters upstream shares too.
  { tag: "v3", renamedClasses: [{ from: "RateLimiter", to: "TenantBudget" }] },
];

/**
 * The status sweep: once a minute the Worker re-reads the next slice of live inputs from the API
 * (contracts/worker/status-sweep.ts, which plans its runs by this interval).
 */
export const STATUS_REFRESH_CRON = "* * * * *";
