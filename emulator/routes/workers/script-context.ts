import type { Context } from "hono";
import type { Env } from "../../context.ts";
import type { StoredScript } from "../../state.ts";
import { findOr404 } from "../lookup.ts";

/** The permission groups the Workers Scripts API checks (docs/reference/cloudflare-api.md §6). */
export const WORKERS_READ = "Workers Scripts Read";
export const WORKERS_WRITE = "Workers Scripts Write";

/** The script named in the path, or Cloudflare's 404 (10007). */
export function findScript(c: Context<Env>): StoredScript {
  return findOr404(c.get("services").state.data.scripts, c.req.param("script_name") ?? "", "Worker script");
}

export function saveScript(c: Context<Env>, script: StoredScript): void {
  const { state } = c.get("services");
  state.data.scripts[script.id] = script;
  state.persist();
}
