import type * as z from "zod";
import type {
  WorkerScript,
  workerScriptLevelSettings,
  workerScriptSettings,
  workerScriptSubdomain,
  workerScriptUpload,
} from "#contracts/cloudflare/workers.ts";
import { bindingView } from "./bindings.ts";
import type { StoredScript } from "./store.ts";

/** A script as list shows it [SDK `Script`]. */
export function scriptView(s: StoredScript): WorkerScript {
  return {
    id: s.id,
    etag: s.etag,
    created_on: s.created_on,
    modified_on: s.modified_on,
    handlers: s.handlers,
    named_handlers: s.named_handlers,
    compatibility_date: s.compatibility_date,
    compatibility_flags: s.compatibility_flags,
    has_modules: s.main_module !== undefined,
    has_assets: s.assets !== undefined,
    logpush: s.logpush,
    usage_model: s.usage_model,
    ...(s.migration_tag === undefined ? {} : { migration_tag: s.migration_tag }),
    tags: s.tags,
    tail_consumers: s.tail_consumers,
    ...(s.observability ? { observability: s.observability } : {}),
    placement: s.placement,
    last_deployed_from: "api",
    ...(s.durableObjectClasses.length > 0
      ? {
          exports: Object.fromEntries(
            s.durableObjectClasses.map((c) => [c.name, { type: "durable-object", storage: c.storage }]),
          ),
        }
      : {}),
  };
}

/** An upload's result [SDK `ScriptUpdateResponse`]. */
export function uploadView(s: StoredScript): z.infer<typeof workerScriptUpload> {
  return {
    ...scriptView(s),
    // Nothing is started at upload time here; the local engine starts the Worker separately.
    startup_time_ms: 0,
    entry_point: (s.main_module ?? s.body_part)!,
  };
}

/** `…/settings`: script and version settings; secrets by name and type only. */
export function settingsView(s: StoredScript): z.infer<typeof workerScriptSettings> {
  return {
    bindings: s.bindings.map(bindingView) as z.infer<typeof workerScriptSettings>["bindings"],
    compatibility_date: s.compatibility_date,
    compatibility_flags: s.compatibility_flags,
    logpush: s.logpush,
    tags: s.tags,
    usage_model: s.usage_model,
    placement: s.placement,
    tail_consumers: s.tail_consumers,
    ...(s.observability ? { observability: s.observability } : {}),
    ...(s.limits ? { limits: s.limits } : {}),
  };
}

/** `…/script-settings`: the settings that are not per version [SDK `ScriptSetting`]. */
export function scriptLevelSettingsView(s: StoredScript): z.infer<typeof workerScriptLevelSettings> {
  return {
    logpush: s.logpush,
    observability: s.observability,
    tags: s.tags,
    tail_consumers: s.tail_consumers,
  };
}

export const subdomainView = (s: StoredScript): z.infer<typeof workerScriptSubdomain> => ({ ...s.subdomain });
