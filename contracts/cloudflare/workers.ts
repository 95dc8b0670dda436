import * as z from "zod";

export const SCRIPT_NAME_PATTERN = /^[a-z0-9_][a-z0-9-_]*$/;

const named = { name: z.string().min(1) };

/** The binding kinds the product uploads; other kinds pass through untouched. */
export const workerBinding = z.discriminatedUnion("type", [
  z.object({ type: z.literal("plain_text"), ...named, text: z.string() }),
  z.object({ type: z.literal("secret_text"), ...named, text: z.string() }),
  z.object({ type: z.literal("json"), ...named, json: z.unknown() }),
  z.object({ type: z.literal("inherit"), ...named, old_name: z.string().optional() }),
  z.object({
    type: z.literal("durable_object_namespace"),
    ...named,
    class_name: z.string(),
    script_name: z.string().optional(),
  }),
  z.object({
    type: z.literal("ratelimit"),
    ...named,
    namespace_id: z.string(),
    simple: z.object({ limit: z.int().positive(), period: z.union([z.literal(10), z.literal(60)]) }),
  }),
]);
export type WorkerBinding = z.infer<typeof workerBinding>;

export const workerMigrations = z.object({
  new_tag: z.string().optional(),
  old_tag: z.string().optional(),
  new_classes: z.array(z.string()).optional(),
  new_sqlite_classes: z.array(z.string()).optional(),
  deleted_classes: z.array(z.string()).optional(),
  renamed_classes: z.array(z.object({ from: z.string(), to: z.string() })).optional(),
});

/** The `metadata` part of a multipart script upload (reference §6.2). */
export const workerUploadMetadata = z.object({
  main_module: z.string().optional(),
  body_part: z.string().optional(),
  compatibility_date: z.string().optional(),
  compatibility_flags: z.array(z.string()).optional(),
  bindings: z.array(workerBinding).optional(),
  keep_bindings: z.array(z.string()).optional(),
  migrations: workerMigrations.optional(),
  observability: z.object({ enabled: z.boolean() }).optional(),
  tags: z.array(z.string()).optional(),
  logpush: z.boolean().optional(),
  usage_model: z.string().optional(),
});
export type WorkerUploadMetadata = z.infer<typeof workerUploadMetadata>;

export const workerScript = z.object({
  id: z.string(),
  etag: z.string(),
  created_on: z.string(),
  modified_on: z.string(),
  handlers: z.array(z.string()),
  compatibility_date: z.string(),
  compatibility_flags: z.array(z.string()),
  has_modules: z.boolean(),
  logpush: z.boolean(),
  usage_model: z.string(),
  migration_tag: z.string().optional(),
  tags: z.array(z.string()).optional(),
});

export const workerScriptSettings = z.object({
  bindings: z.array(z.object({ type: z.string(), name: z.string() }).loose()),
  compatibility_date: z.string(),
  compatibility_flags: z.array(z.string()),
  logpush: z.boolean(),
  tags: z.array(z.string()),
  usage_model: z.string(),
  placement: z.object({}).loose(),
  tail_consumers: z.array(z.unknown()),
  observability: z.object({ enabled: z.boolean() }).loose().optional(),
});

export const workerSecretPut = z.object({
  name: z.string().min(1),
  text: z.string(),
  type: z.literal("secret_text"),
});
export const workerSecret = z.object({ name: z.string(), type: z.string() });

export const workerCron = z.object({ cron: z.string().min(1) });
export const workerSchedules = z.object({
  schedules: z.array(
    workerCron.extend({ created_on: z.string().optional(), modified_on: z.string().optional() }),
  ),
});

export const workerSubdomain = z.object({ enabled: z.boolean(), previews_enabled: z.boolean().optional() });
