import { createHash } from "node:crypto";
import type {
  WorkerBinding,
  WorkerMigrations,
  WorkerSettingsPatch,
  WorkerUploadMetadata,
} from "#contracts/cloudflare/workers.ts";
import type { Plan } from "../../core/config.ts";
import { now } from "../../core/ids.ts";
import {
  type BindingRules,
  checkDurableObjectBindings,
  environmentVariablesOf,
  resolveBindings,
} from "./bindings.ts";
import { workersErrors } from "./errors.ts";
import { environmentVariableRefusal, scriptSizeRefusal } from "./limits.ts";
import { applyMigrations } from "./migrations.ts";
import {
  type EntryHandlers,
  moduleHandlers,
  parseJavaScript,
  serviceWorkerHandlers,
} from "./module-analysis.ts";
import { entryExportNames, type ModuleExports, moduleExports } from "./module-exports.ts";
import type { StoredScript } from "./store.ts";
import { moduleOf, storeModule, type WorkerModule } from "./store.ts";

/** What the API assumes when an upload names no compatibility date (docs/reference/cloudflare-api.md §6.2). */
export const DEFAULT_COMPATIBILITY_DATE = "2021-11-02";

const ES_MODULE_TYPES = new Set(["application/javascript+module", "text/javascript+module"]);
/** In a modules upload these are CommonJS modules; in a service-worker upload, the script. */
const SCRIPT_TYPES = new Set(["application/javascript", "text/javascript"]);

type VersionState = Pick<StoredScript, "bindings" | "migration_tag" | "durableObjectClasses">;

/** What a new version is checked against: the names the code exports and the account's plan. */
interface VersionContext {
  /** Computed only when migrations need it: for a settings PATCH it means parsing the stored code. */
  exports: () => ReadonlySet<string>;
  plan: Plan;
}

/**
 * Migrations first, then bindings, since a Durable Object binding needs its class migrated in; then
 * the environment variables the version ends up with, inherited and kept ones included.
 */
function nextVersionState(
  scriptName: string,
  previous: VersionState | undefined,
  declared: WorkerBinding[] | undefined,
  rules: BindingRules,
  migrations: WorkerMigrations | undefined,
  context: VersionContext,
): VersionState {
  const durable = applyMigrations(
    { tag: previous?.migration_tag, classes: previous?.durableObjectClasses ?? [] },
    migrations,
    context.exports,
  );
  const previousBindings = previous?.bindings ?? [];
  const bindings = declared ? resolveBindings(declared, previousBindings, rules) : previousBindings;
  checkDurableObjectBindings(bindings, scriptName, durable.classes);
  const refusal = environmentVariableRefusal(environmentVariablesOf(bindings), context.plan);
  if (refusal) throw workersErrors.refused(refusal);
  return {
    bindings,
    ...(durable.tag === undefined ? {} : { migration_tag: durable.tag }),
    durableObjectClasses: durable.classes,
  };
}

/** What the upload's code offers: the entry point's handlers and every name the entry module exports. */
interface CodeAnalysis extends EntryHandlers {
  exports: ReadonlySet<string>;
}

/**
 * Parses every JavaScript part, and reads the entry point's handlers and exports. A service-worker
 * script exports nothing, so Cloudflare refuses its new-class migrations too (cloudflare/workers-sdk#4943).
 */
function analyseModules(modules: WorkerModule[], entry: WorkerModule, esModules: boolean): CodeAnalysis {
  let handlers: EntryHandlers = { handlers: [], named_handlers: [] };
  const exportsByModule = new Map<string, ModuleExports>();
  for (const m of modules) {
    const isModule = ES_MODULE_TYPES.has(m.contentType);
    if (!isModule && !SCRIPT_TYPES.has(m.contentType)) continue;
    const program = parseJavaScript(
      new TextDecoder().decode(m.bytes),
      m.name,
      isModule ? "module" : "script",
    );
    if (isModule) exportsByModule.set(m.name, moduleExports(program));
    if (m === entry) handlers = esModules ? moduleHandlers(program) : serviceWorkerHandlers(program);
  }
  const exports = esModules
    ? entryExportNames(entry.name, (name) => exportsByModule.get(name))
    : new Set<string>();
  return { ...handlers, exports };
}

/** The upload's size, every part uncompressed, against Cloudflare's limit: before anything is parsed. */
function checkScriptSize(modules: WorkerModule[]): void {
  const refusal = scriptSizeRefusal(modules.reduce((sum, m) => sum + m.bytes.byteLength, 0));
  if (refusal) throw workersErrors.refused(refusal);
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
  options: { strictInherit: boolean; plan: Plan },
): StoredScript {
  checkScriptSize(modules);
  const entry = entryModule(metadata, modules);
  const esModules = metadata.main_module !== undefined;
  const { exports, ...handlers } = analyseModules(modules, entry, esModules);
  const version = nextVersionState(
    name,
    previous,
    metadata.bindings ?? [],
    { keep: metadata.keep_bindings ?? [], strictInherit: options.strictInherit },
    metadata.migrations,
    { exports: () => exports, plan: options.plan },
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
export function patchedScript(script: StoredScript, patch: WorkerSettingsPatch, plan: Plan): StoredScript {
  let exports: ReadonlySet<string> | undefined;
  const version = nextVersionState(
    script.id,
    script,
    patch.bindings,
    { keep: [], strictInherit: true },
    patch.migrations,
    { exports: () => (exports ??= storedExports(script)), plan },
  );
  const { bindings: _b, migrations: _m, ...settings } = patch;
  return { ...script, ...settings, ...version, modified_on: now() };
}

/** The names a stored script's entry module exports, read again from its code. */
function storedExports(script: StoredScript): ReadonlySet<string> {
  const modules = script.modules.map(moduleOf);
  const entryName = script.main_module ?? script.body_part!;
  const entry = modules.find((m) => m.name === entryName)!;
  return analyseModules(modules, entry, script.main_module !== undefined).exports;
}
