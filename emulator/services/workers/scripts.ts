import type { Context } from "hono";
import { Hono } from "hono";
import * as z from "zod";
import { scriptName, workerUploadMetadata } from "#contracts/cloudflare/workers.ts";
import type { Env } from "../../core/env.ts";
import { cfOk } from "../../core/respond.ts";
import { uploadedScript } from "./deploy.ts";
import { workersErrors } from "./errors.ts";
import { parseLabelled, readUpload } from "./multipart.ts";
import { findScript, WORKERS_READ, WORKERS_WRITE, type WorkersRouteDeps } from "./script-context.ts";
import { isRefusal, staticRouting } from "./static-routing.ts";
import { moduleOf, modulesEntryFirst, type StoredScript } from "./store.ts";
import { scriptView, uploadView } from "./views.ts";

const uploadQuery = z.object({ bindings_inherit: z.literal("strict").optional() });

/**
 * The script's code, not JSON: a single module raw with its own type, several as
 * multipart/form-data with the entry module first (what Terraform's provider reads).
 */
function contentResponse(c: Context<Env>, script: Readonly<StoredScript>) {
  const modules = modulesEntryFirst(script).map(moduleOf);
  if (modules.length === 1) {
    const [only] = modules as [ReturnType<typeof moduleOf>];
    return c.body(only.bytes, 200, { "content-type": only.contentType });
  }
  const form = new FormData();
  for (const m of modules) form.append(m.name, new File([m.bytes], m.name, { type: m.contentType }));
  const encoded = new Response(form);
  return c.body(encoded.body!, 200, { "content-type": encoded.headers.get("content-type")! });
}

/** Worker scripts: `/accounts/:account_id/workers/scripts` (docs/reference/cloudflare-api.md §6.2). */
export function scriptRoutes({ store, requirePermission, plan, assetUploads }: WorkersRouteDeps) {
  const routes = new Hono<Env>();

  routes.get("/", requirePermission(WORKERS_READ), (c) => cfOk(c, store.list().map(scriptView)));

  /** Upload and deploy at once: a new script, or a new version of an existing one. */
  routes.put("/:script_name", requirePermission(WORKERS_WRITE), async (c) => {
    const name = parseLabelled(scriptName, c.req.param("script_name"), "script_name");
    const query = parseLabelled(uploadQuery, c.req.query(), "query");
    const upload = await readUpload(c);
    const metadata = parseLabelled(workerUploadMetadata, upload.config, "metadata");
    const rules = metadata.assets?.config?.run_worker_first;
    const routing = Array.isArray(rules) ? staticRouting(rules) : undefined;
    if (routing && isRefusal(routing)) throw workersErrors.refused(routing);
    const previous = store.get(name);
    const script = uploadedScript(previous, name, metadata, upload.modules, {
      strictInherit: query.bindings_inherit === "strict",
      plan: plan(),
    });
    // The version's assets: those of the completion token it redeems, checked last so that a
    // refused upload does not spend it, or the previous version's when it asks to keep them.
    const { assets } = metadata;
    if (assets?.jwt) script.assets = assetUploads.redeem(name, assets.jwt, assets.config ?? {});
    else if (metadata.keep_assets && previous?.assets) {
      script.assets = { ...previous.assets, ...(assets?.config ? { config: assets.config } : {}) };
    }
    store.put(script);
    return cfOk(c, uploadView(script));
  });

  routes.get("/:script_name", requirePermission(WORKERS_READ), (c) =>
    contentResponse(c, findScript(store, c)),
  );
  routes.get("/:script_name/content/v2", requirePermission(WORKERS_READ), (c) =>
    contentResponse(c, findScript(store, c)),
  );

  routes.delete("/:script_name", requirePermission(WORKERS_WRITE), (c) => {
    store.delete(c.req.param("script_name"));
    return cfOk(c, null);
  });

  return routes;
}
