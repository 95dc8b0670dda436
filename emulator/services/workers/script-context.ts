import type { Context } from "hono";
import type { Plan } from "../../core/config.ts";
import type { Env } from "../../core/env.ts";
import type { RequirePermission } from "../tokens/check.ts";
import type { AssetUploads } from "./asset-uploads.ts";
import type { StoredScript, WorkersStore } from "./store.ts";

/** The permission groups the Workers Scripts API checks (docs/reference/cloudflare-api.md §6). */
export const WORKERS_READ = "Workers Scripts Read";
export const WORKERS_WRITE = "Workers Scripts Write";

/** What every Workers route is built with. */
export interface WorkersRouteDeps {
  store: WorkersStore;
  requirePermission: RequirePermission;
  /** The account's Workers plan, whose limits apply (limits.ts). */
  plan: () => Plan;
  /** Static assets upload sessions and the completion tokens uploads redeem. */
  assetUploads: AssetUploads;
}

/** The script named in the path, or Cloudflare's 404 (10007). */
export function findScript(store: WorkersStore, c: Context<Env>): Readonly<StoredScript> {
  return store.find(c.req.param("script_name") ?? "");
}
