import * as z from "zod";

/** Script names (docs/reference/cloudflare-api.md §6.2); at most 63 characters, since a name is a workers.dev host label. */
export const SCRIPT_NAME_PATTERN = /^[a-z0-9_][a-z0-9-_]*$/;
export const scriptName = z
  .string()
  .max(63)
  .regex(SCRIPT_NAME_PATTERN, "must match ^[a-z0-9_][a-z0-9-_]*$ (lowercase letters, digits, - and _)");

const named = { name: z.string().min(1).max(255) };

/**
 * Binding kinds the product never uploads. They are accepted and kept as sent, so that any upload
 * Cloudflare takes round-trips. `secret_key` is deliberately absent: its key material (`key_jwk`)
 * is an object, and secrets are only kept where they can be hidden, as `secret_text`.
 */
export const PASS_THROUGH_BINDING_KINDS = [
  "ai",
  "analytics_engine",
  "assets",
  "browser",
  "d1",
  "data_blob",
  "dispatch_namespace",
  "hyperdrive",
  "images",
  "kv_namespace",
  "mtls_certificate",
  "pipelines",
  "queue",
  "r2_bucket",
  "secrets_store_secret",
  "send_email",
  "service",
  "text_blob",
  "vectorize",
  "version_metadata",
  "wasm_module",
  "workflow",
] as const;

export const workerBinding = z.discriminatedUnion("type", [
  z.object({ type: z.literal("plain_text"), ...named, text: z.string() }),
  z.object({ type: z.literal("secret_text"), ...named, text: z.string() }),
  z.object({ type: z.literal("json"), ...named, json: z.unknown() }),
  /** Copies `old_name` (default: `name`) from the previous version under `name`. */
  z.object({
    type: z.literal("inherit"),
    ...named,
    old_name: z.string().min(1).exactOptional(),
    version_id: z.string().exactOptional(),
  }),
  z.object({
    type: z.literal("durable_object_namespace"),
    ...named,
    class_name: z.string().min(1),
    script_name: z.string().exactOptional(),
    environment: z.string().exactOptional(),
    namespace_id: z.string().exactOptional(),
  }),
  z.object({
    type: z.literal("ratelimit"),
    ...named,
    namespace_id: z.string(),
    simple: z.object({ limit: z.int().positive(), period: z.union([z.literal(10), z.literal(60)]) }),
  }),
  z.object({ type: z.enum(PASS_THROUGH_BINDING_KINDS), ...named }).loose(),
]);
export type WorkerBinding = z.infer<typeof workerBinding>;

/** A binding as reads show it: never a secret's `text`. */
export const workerBindingView = z.object({ type: z.string(), name: z.string() }).loose();

const classList = z.array(z.string().min(1));

export const workerMigrationStep = z.object({
  new_classes: classList.exactOptional(),
  new_sqlite_classes: classList.exactOptional(),
  deleted_classes: classList.exactOptional(),
  renamed_classes: z.array(z.object({ from: z.string().min(1), to: z.string().min(1) })).exactOptional(),
  transferred_classes: z
    .array(z.object({ from: z.string().min(1), from_script: z.string().min(1), to: z.string().min(1) }))
    .exactOptional(),
});
export type WorkerMigrationStep = z.infer<typeof workerMigrationStep>;

/** Durable Object migrations: one step inline, or several in `steps`, guarded by `old_tag`. */
export const workerMigrations = workerMigrationStep.extend({
  new_tag: z.string().min(1).exactOptional(),
  old_tag: z.string().min(1).exactOptional(),
  steps: z.array(workerMigrationStep).exactOptional(),
});
export type WorkerMigrations = z.infer<typeof workerMigrations>;

export const workerTailConsumer = z.object({
  service: z.string().min(1),
  environment: z.string().exactOptional(),
  namespace: z.string().exactOptional(),
});
export type WorkerTailConsumer = z.infer<typeof workerTailConsumer>;

export const workerObservability = z
  .object({ enabled: z.boolean(), head_sampling_rate: z.number().min(0).max(1).nullable().exactOptional() })
  .loose();
export type WorkerObservability = z.infer<typeof workerObservability>;

export const workerPlacement = z.object({ mode: z.enum(["smart", "targeted"]).exactOptional() }).loose();
export type WorkerPlacement = z.infer<typeof workerPlacement>;

export const workerUsageModel = z.enum(["standard", "bundled", "unbound"]);
export type WorkerUsageModel = z.infer<typeof workerUsageModel>;

const compatibilityDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date, YYYY-MM-DD");

/** Settings that both an upload's metadata and a settings PATCH may carry. */
const scriptSettingsFields = {
  bindings: z.array(workerBinding).exactOptional(),
  compatibility_date: compatibilityDate.exactOptional(),
  compatibility_flags: z.array(z.string().min(1)).exactOptional(),
  migrations: workerMigrations.exactOptional(),
  logpush: z.boolean().exactOptional(),
  observability: workerObservability.exactOptional(),
  tags: z.array(z.string()).exactOptional(),
  tail_consumers: z.array(workerTailConsumer).exactOptional(),
  usage_model: workerUsageModel.exactOptional(),
  placement: workerPlacement.exactOptional(),
  limits: z.object({ cpu_ms: z.int().positive().exactOptional() }).exactOptional(),
};

/**
 * A static assets manifest: each file's path under the Worker's origin, with "a 32 hexadecimal
 * character hash of the file" and its size (developers.cloudflare.com/workers/static-assets/direct-upload/).
 * The hash is the client's to choose: wrangler and Terraform's provider hash differently.
 */
export const workerAssetManifest = z.record(
  z.string().regex(/^\/./, "must be a file path starting with /"),
  z.object({
    hash: z.string().regex(/^[0-9a-f]{32}$/, "must be 32 lowercase hexadecimal characters"),
    size: z.int().nonnegative(),
  }),
);
export type WorkerAssetManifest = z.infer<typeof workerAssetManifest>;

/** Body of `POST …/scripts/{name}/assets-upload-session`. */
export const workerAssetsUploadSessionRequest = z.object({ manifest: workerAssetManifest });

/**
 * Its result: the upload token and the hashes to upload, grouped into one request each; no bucket
 * when every file is already uploaded, and then the token is the completion token.
 */
export const workerAssetsUploadSession = z.object({
  jwt: z.string(),
  buckets: z.array(z.array(z.string())),
});

/** Result of `POST …/workers/assets/upload`: the completion token, once every file is in. */
export const workerAssetsUpload = z.object({ jwt: z.string().exactOptional() });

/** How the script's static assets are served, as an upload's `assets.config` sets it. */
export const workerAssetsConfig = z
  .object({
    html_handling: z
      .enum(["auto-trailing-slash", "force-trailing-slash", "drop-trailing-slash", "none"])
      .exactOptional(),
    not_found_handling: z.enum(["none", "404-page", "single-page-application"]).exactOptional(),
    run_worker_first: z.union([z.boolean(), z.array(z.string())]).exactOptional(),
    _headers: z.string().exactOptional(),
    _redirects: z.string().exactOptional(),
  })
  .loose();
export type WorkerAssetsConfig = z.infer<typeof workerAssetsConfig>;

/** The `metadata` part of a multipart script upload (docs/reference/cloudflare-api.md §6.2). */
export const workerUploadMetadata = z
  .object({
    ...scriptSettingsFields,
    main_module: z.string().min(1).exactOptional(),
    body_part: z.string().min(1).exactOptional(),
    /** Binding types to carry over from the previous upload, e.g. `["secret_text"]`. */
    keep_bindings: z.array(z.string().min(1)).exactOptional(),
    annotations: z.record(z.string(), z.string()).exactOptional(),
    /** The completion token of an assets upload session, and how the assets are served. */
    assets: z
      .object({ jwt: z.string().min(1).exactOptional(), config: workerAssetsConfig.exactOptional() })
      .exactOptional(),
    /** Carry the previous version's assets over when this upload names none. */
    keep_assets: z.boolean().exactOptional(),
  })
  .refine((m) => (m.main_module === undefined) !== (m.body_part === undefined), {
    message: "name exactly one entry point: main_module (ES modules) or body_part (service worker)",
  });
export type WorkerUploadMetadata = z.infer<typeof workerUploadMetadata>;

/** The `settings` part of `PATCH …/scripts/{name}/settings` (multipart, like an upload). */
export const workerSettingsPatch = z.object(scriptSettingsFields);
export type WorkerSettingsPatch = z.infer<typeof workerSettingsPatch>;

/** Body of `PATCH …/scripts/{name}/script-settings` (JSON). */
export const workerScriptSettingsPatch = z.object({
  logpush: z.boolean().exactOptional(),
  observability: workerObservability.nullable().exactOptional(),
  tags: z.array(z.string()).nullable().exactOptional(),
  tail_consumers: z.array(workerTailConsumer).nullable().exactOptional(),
});

const handlerNames = z.array(z.string());

/** A script as list and upload describe it [SDK `Script`]. */
export const workerScript = z.object({
  id: z.string(),
  etag: z.string(),
  created_on: z.string(),
  modified_on: z.string(),
  handlers: handlerNames,
  named_handlers: z.array(z.object({ name: z.string(), handlers: handlerNames })).exactOptional(),
  compatibility_date: z.string(),
  compatibility_flags: z.array(z.string()),
  has_modules: z.boolean(),
  has_assets: z.boolean().exactOptional(),
  logpush: z.boolean(),
  usage_model: z.string(),
  migration_tag: z.string().exactOptional(),
  tags: z.array(z.string()).nullable().exactOptional(),
  tail_consumers: z.array(workerTailConsumer).nullable().exactOptional(),
  observability: workerObservability.exactOptional(),
  placement: workerPlacement.exactOptional(),
  last_deployed_from: z.string().exactOptional(),
  exports: z.record(z.string(), z.object({ type: z.string() }).loose()).exactOptional(),
});
export type WorkerScript = z.infer<typeof workerScript>;

/** The upload's result adds what the deploy measured [SDK `ScriptUpdateResponse`]. */
export const workerScriptUpload = workerScript.extend({
  startup_time_ms: z.int().min(0),
  entry_point: z.string().exactOptional(),
});

/** `GET …/scripts/{name}/settings`: script and version settings, secrets without their values. */
export const workerScriptSettings = z.object({
  bindings: z.array(workerBindingView),
  compatibility_date: z.string(),
  compatibility_flags: z.array(z.string()),
  logpush: z.boolean(),
  tags: z.array(z.string()),
  usage_model: z.string(),
  placement: workerPlacement,
  tail_consumers: z.array(workerTailConsumer),
  observability: workerObservability.exactOptional(),
  limits: z.object({ cpu_ms: z.int().exactOptional() }).exactOptional(),
});

/** `GET …/scripts/{name}/script-settings`: the settings that do not belong to a version [SDK `ScriptSetting`]. */
export const workerScriptLevelSettings = z.object({
  logpush: z.boolean(),
  observability: workerObservability.nullable(),
  tags: z.array(z.string()).nullable(),
  tail_consumers: z.array(workerTailConsumer).nullable(),
});

export const workerSecretPut = z.object({
  name: z.string().min(1).max(255),
  text: z.string().max(5 * 1024),
  type: z.literal("secret_text"),
});
export const workerSecret = z.object({ name: z.string(), type: z.string() });

/** Five cron fields (minute hour day-of-month month day-of-week), as Cloudflare's cron triggers take. */
const CRON_FIELD = /^[0-9A-Za-z*,/?#LW-]+$/;
export const workerCron = z.object({
  cron: z
    .string()
    .min(1)
    .max(100)
    .refine((c) => {
      const fields = c.trim().split(/\s+/);
      return fields.length === 5 && fields.every((f) => CRON_FIELD.test(f));
    }, "must be a cron expression with five fields, e.g. */5 * * * *"),
});
export const workerSchedulesPut = z.array(workerCron);
export const workerSchedules = z.object({
  schedules: z.array(
    workerCron.extend({ created_on: z.string().exactOptional(), modified_on: z.string().exactOptional() }),
  ),
});

/** Body of `POST …/scripts/{name}/subdomain`. */
export const workerScriptSubdomainWrite = z.object({
  enabled: z.boolean(),
  previews_enabled: z.boolean().exactOptional(),
});
export const workerScriptSubdomain = z.object({ enabled: z.boolean(), previews_enabled: z.boolean() });

/** The account's `<subdomain>.workers.dev` (docs/reference/cloudflare-api.md §6.3: the SDK's `subdomain`, not the 2024 spec's `name`). */
export const workersAccountSubdomain = z.object({
  subdomain: z
    .string()
    .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, "must be a DNS label: a-z, 0-9 and inner hyphens"),
});

/** A zone's Worker route (SDK `client.workers.routes`): create and update bodies. */
export const workerRouteWrite = z.object({ pattern: z.string().min(1), script: z.string().exactOptional() });
export const workerRoute = z.object({
  id: z.string(),
  pattern: z.string(),
  script: z.string().exactOptional(),
});

/** An account's Worker custom domain (SDK `client.workers.domains`): PUT attaches a hostname to a Worker. */
export const workerDomainWrite = z.object({
  hostname: z.string().min(1),
  service: scriptName,
  zone_id: z.string().exactOptional(),
  zone_name: z.string().exactOptional(),
  environment: z.string().exactOptional(),
});
export const workerDomain = z.object({
  id: z.string(),
  cert_id: z.string(),
  environment: z.string(),
  hostname: z.string(),
  service: z.string(),
  zone_id: z.string(),
  zone_name: z.string(),
});
export type WorkerDomain = z.infer<typeof workerDomain>;
