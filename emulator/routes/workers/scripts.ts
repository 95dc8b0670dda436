import type { Context } from "hono";
import { Hono } from "hono";
import * as z from "zod";
import { scriptName, workerUploadMetadata } from "../../../contracts/cloudflare/workers.ts";
import { requirePermission } from "../../auth.ts";
import type { Env } from "../../context.ts";
import { cfOk } from "../../respond.ts";
import type { StoredScript } from "../../state.ts";
import { moduleOf, modulesEntryFirst } from "../../workers-store.ts";
import { ownEntry } from "../lookup.ts";
import { uploadedScript } from "./deploy.ts";
import { parseLabelled, readUpload } from "./multipart.ts";
import { findScript, saveScript, WORKERS_READ, WORKERS_WRITE } from "./script-context.ts";
import { scriptView, uploadView } from "./views.ts";

const uploadQuery = z.object({ bindings_inherit: z.literal("strict").optional() });

/** Worker scripts: `/accounts/:account_id/workers/scripts` (docs/reference/cloudflare-api.md §6.2). */
export const scriptRoutes = new Hono<Env>();

scriptRoutes.get("/", requirePermission(WORKERS_READ), (c) =>
  cfOk(c, Object.values(c.get("services").state.data.scripts).map(scriptView)),
);

/** Upload and deploy at once: a new script, or a new version of an existing one. */
scriptRoutes.put("/:script_name", requirePermission(WORKERS_WRITE), async (c) => {
  const name = parseLabelled(scriptName, c.req.param("script_name"), "script_name");
  const query = parseLabelled(uploadQuery, c.req.query(), "query");
  const upload = await readUpload(c);
  const metadata = parseLabelled(workerUploadMetadata, upload.config, "metadata");
  const { scripts } = c.get("services").state.data;
  const previous = ownEntry(scripts, name);
  const script = uploadedScript(
    previous,
    name,
    metadata,
    upload.modules,
    query.bindings_inherit === "strict",
  );
  saveScript(c, script);
  return cfOk(c, uploadView(script));
});

/**
 * The script's code, not JSON: a single module raw with its own type, several as
 * multipart/form-data with the entry module first (what Terraform's provider reads).
 */
function contentResponse(c: Context<Env>, script: StoredScript) {
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

scriptRoutes.get("/:script_name", requirePermission(WORKERS_READ), (c) => contentResponse(c, findScript(c)));
scriptRoutes.get("/:script_name/content/v2", requirePermission(WORKERS_READ), (c) =>
  contentResponse(c, findScript(c)),
);

scriptRoutes.delete("/:script_name", requirePermission(WORKERS_WRITE), (c) => {
  const script = findScript(c);
  const { state } = c.get("services");
  delete state.data.scripts[script.id];
  state.persist();
  return cfOk(c, null);
});
