import { createHash } from "node:crypto";
import type {
  WorkerBinding,
  WorkerMigrations,
  WorkerSettingsPatch,
  WorkerUploadMetadata,
} from "#contracts/cloudflare/workers.ts";
import { now } from "../../core/ids.ts";
import { type BindingRules, checkDurableObjectBindings, resolveBindings } from "./bindings.ts";
import { workersErrors } from "./errors.ts";
import { applyMigrations } from "./migrations.ts";
import {
  type EntryHandlers,
  moduleHandlers,
  parseJavaScript,
  serviceWorkerHandlers,
} from "./module-analysis.ts";
import type { StoredScript } from "./store.ts";
import { storeModule, type WorkerModule } from "./store.ts";

/** What the API assumes when an upload names no compatibility date (docs/reference/cloudflare-api.md §6.2). */
export const DEFAULT_COMPATIBILITY_DATE = "2021-11-02";

const ES_MODULE_TYPES = new Set(["application/javascript+module", "text/javascript+module"]);
/** In a modules upload these are CommonJS modules; in a service-worker upload, the script. */
const SCRIPT_TYPES = new Set(["application/javascript", "text/javascript"]);

type VersionState = Pick<StoredScript, "bindings" | "migration_tag" | "durableObjectClasses">;

/** Migrations first, then bindings, since a Durable Object binding needs its class migrated in. */
function nextVersionState(
  scriptName: string,
  previous: VersionState | undefined,
  declared: WorkerBinding[] | undefined,
  rules: BindingRules,
  migrations: WorkerMigrations | undefined,
): VersionState {
  const durable = applyMigrations(
    { tag: previous?.migration_tag, classes: previous?.durableObjectClasses ?? [] },
    migrations,
  );
  const previousBindings = previous?.bindings ?? [];
  const bindings = declared ? resolveBindings(declared, previousBindings, rules) : previousBindings;
  checkDurableObjectBindings(bindings, scriptName, durable.classes);
  return {
    bindings,
    ...(durable.tag === undefined ? {} : { migration_tag: durable.tag }),
    durableObjectClasses: durable.classes,
  };
}

/** Parses every JavaScript part, and reads the entry point's handlers. */
function analyseModules(modules: WorkerModule[], entry: WorkerModule, esModules: boolean): EntryHandlers {
  let handlers: EntryHandlers = { handlers: [], named_handlers: [] };
  for (const m of modules) {
    const isModule = ES_MODULE_TYPES.has(m.contentType);
    if (!isModule && !SCRIPT_TYPES.has(m.contentType)) continue;
    const program = parseJavaScript(
      new TextDecoder().decode(m.bytes),
      m.name,
      isModule ? "module" : "script",
    );
    if (m === entry) handlers = esModules ? moduleHandlers(program) : serviceWorkerHandlers(program);
  }
  return handlers;
}

function entryModule(metadata: WorkerUploadMetadata, modules: WorkerModule[]): WorkerModule {
  const field = metadata.main_module === undefined ? "body_part" : "main_module";
  const name = (metadata.main_module ?? metadata.body_part)!;
  const entry = modules.find((m) => m.name === name);
  if (!entry) {
    const uploaded = modules.map((m) => m.name).join(", ") || "none";
    throw workersErrors.invalid(`${field} '${name}' is not among the uploaded modules (${uploaded})`);
  }
  const allowed = field === "main_module" ? ES_MODULE_TYPES : SCRIPT_TYPES;
  if (!allowed.has(entry.contentType)) {
    throw workersErrors.invalid(
      `${field} '${name}' must be uploaded as ${[...allowed].join(" or ")}, not ${entry.contentType}`,
    );
  }
  return entry;
}

const contentEtag = (entry: string, modules: WorkerModule[]) => {
  const hash = createHash("sha256").update(entry);
  for (const m of modules) hash.update(`\0${m.name}\0${m.contentType}\0`).update(m.bytes);
  return hash.digest("hex");
};

/**
 * The script after an upload. Version settings (code, compatibility, bindings, placement, limits)
 * come from the upload; script settings it omits (logpush, observability, tags, tail consumers),
 * the cron triggers and the workers.dev route stay as they were.
 */
export function uploadedScript(
  previous: StoredScript | undefined,
  name: string,
  metadata: WorkerUploadMetadata,
  modules: WorkerModule[],
  strictInherit: boolean,
): StoredScript {
  const entry = entryModule(metadata, modules);
  const esModules = metadata.main_module !== undefined;
  const handlers = analyseModules(modules, entry, esModules);
  const version = nextVersionState(
    name,
    previous,
    metadata.bindings ?? [],
    { keep: metadata.keep_bindings ?? [], strictInherit },
    metadata.migrations,
  );
  const at = now();
  return {
    id: name,
    etag: contentEtag(entry.name, modules),
    created_on: previous?.created_on ?? at,
    modified_on: at,
    ...(esModules ? { main_module: entry.name } : { body_part: entry.name }),
    modules: modules.map(storeModule),
    ...handlers,
    compatibility_date: metadata.compatibility_date ?? DEFAULT_COMPATIBILITY_DATE,
    compatibility_flags: metadata.compatibility_flags ?? [],
    ...version,
    logpush: metadata.logpush ?? previous?.logpush ?? false,
    observability: metadata.observability ?? previous?.observability ?? null,
    tags: metadata.tags ?? previous?.tags ?? [],
    tail_consumers: metadata.tail_consumers ?? previous?.tail_consumers ?? [],
    usage_model: metadata.usage_model ?? "standard",
    placement: metadata.placement ?? {},
    ...(metadata.limits ? { limits: metadata.limits } : {}),
    schedules: previous?.schedules ?? [],
    subdomain: previous?.subdomain ?? { enabled: false, previews_enabled: false },
  };
}

/** The script after `PATCH …/settings`: only what the patch names changes; bindings may `inherit`. */
export function patchedScript(script: StoredScript, patch: WorkerSettingsPatch): StoredScript {
  const version = nextVersionState(
    script.id,
    script,
    patch.bindings,
    { keep: [], strictInherit: true },
    patch.migrations,
  );
  const { bindings: _b, migrations: _m, ...settings } = patch;
  return { ...script, ...settings, ...version, modified_on: now() };
}
