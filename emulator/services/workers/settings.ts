import { Hono } from "hono";
import { workerScriptSettingsPatch, workerSettingsPatch } from "#contracts/cloudflare/workers.ts";
import type { Env } from "../../core/env.ts";
import { now } from "../../core/ids.ts";
import { cfOk } from "../../core/respond.ts";
import { jsonBody } from "../../core/validate.ts";
import { patchedScript } from "./deploy.ts";
import { workersErrors } from "./errors.ts";
import { parseLabelled, readConfigForm } from "./multipart.ts";
import { findScript, WORKERS_READ, WORKERS_WRITE, type WorkersRouteDeps } from "./script-context.ts";
import { scriptLevelSettingsView, settingsView } from "./views.ts";

/** `/accounts/:account_id/workers/scripts/:script_name/{settings,script-settings}`. */
export function settingsRoutes({ store, requirePermission, plan }: WorkersRouteDeps) {
  const routes = new Hono<Env>();

  routes.get("/settings", requirePermission(WORKERS_READ), (c) =>
    cfOk(c, settingsView(findScript(store, c))),
  );

  /** Multipart like an upload, with one JSON part named `settings` and no modules. */
  routes.patch("/settings", requirePermission(WORKERS_WRITE), async (c) => {
    const script = findScript(store, c);
    const form = await readConfigForm(c, "settings");
    if (form.modules.length > 0) {
      throw workersErrors.invalid("a settings PATCH carries only the settings part; upload code with PUT");
    }
    const updated = patchedScript(
      script,
      parseLabelled(workerSettingsPatch, form.config, "settings"),
      plan(),
    );
    store.put(updated);
    return cfOk(c, settingsView(updated));
  });

  routes.get("/script-settings", requirePermission(WORKERS_READ), (c) =>
    cfOk(c, scriptLevelSettingsView(findScript(store, c))),
  );

  routes.patch("/script-settings", requirePermission(WORKERS_WRITE), async (c) => {
    const script = findScript(store, c);
    const patch = await jsonBody(c, workerScriptSettingsPatch);
    const updated = {
      ...script,
      ...(patch.logpush === undefined ? {} : { logpush: patch.logpush }),
      ...(patch.observability === undefined ? {} : { observability: patch.observability }),
      ...(patch.tags === undefined ? {} : { tags: patch.tags ?? [] }),
      ...(patch.tail_consumers === undefined ? {} : { tail_consumers: patch.tail_consumers ?? [] }),
      modified_on: now(),
    };
    store.put(updated);
    return cfOk(c, scriptLevelSettingsView(updated));
  });

  return routes;
}
