import { Hono } from "hono";
import { workerScriptSettingsPatch, workerSettingsPatch } from "../../../contracts/cloudflare/workers.ts";
import { requirePermission } from "../../auth.ts";
import type { Env } from "../../context.ts";
import { now } from "../../ids.ts";
import { cfOk } from "../../respond.ts";
import { jsonBody } from "../../validate.ts";
import { patchedScript } from "./deploy.ts";
import { workersErrors } from "./errors.ts";
import { parseLabelled, readConfigForm } from "./multipart.ts";
import { findScript, saveScript, WORKERS_READ, WORKERS_WRITE } from "./script-context.ts";
import { scriptLevelSettingsView, settingsView } from "./views.ts";

/** `/accounts/:account_id/workers/scripts/:script_name/{settings,script-settings}`. */
export const settingsRoutes = new Hono<Env>();

settingsRoutes.get("/settings", requirePermission(WORKERS_READ), (c) => cfOk(c, settingsView(findScript(c))));

/** Multipart like an upload, with one JSON part named `settings` and no modules. */
settingsRoutes.patch("/settings", requirePermission(WORKERS_WRITE), async (c) => {
  const script = findScript(c);
  const form = await readConfigForm(c, "settings");
  if (form.modules.length > 0) {
    throw workersErrors.invalid("a settings PATCH carries only the settings part; upload code with PUT");
  }
  const updated = patchedScript(script, parseLabelled(workerSettingsPatch, form.config, "settings"));
  saveScript(c, updated);
  return cfOk(c, settingsView(updated));
});

settingsRoutes.get("/script-settings", requirePermission(WORKERS_READ), (c) =>
  cfOk(c, scriptLevelSettingsView(findScript(c))),
);

settingsRoutes.patch("/script-settings", requirePermission(WORKERS_WRITE), async (c) => {
  const script = findScript(c);
  const patch = await jsonBody(c, workerScriptSettingsPatch);
  const updated = {
    ...script,
    ...(patch.logpush === undefined ? {} : { logpush: patch.logpush }),
    ...(patch.observability === undefined ? {} : { observability: patch.observability }),
    ...(patch.tags === undefined ? {} : { tags: patch.tags ?? [] }),
    ...(patch.tail_consumers === undefined ? {} : { tail_consumers: patch.tail_consumers ?? [] }),
    modified_on: now(),
  };
  saveScript(c, updated);
  return cfOk(c, scriptLevelSettingsView(updated));
});
