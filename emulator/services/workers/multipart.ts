import type { Context } from "hono";
import type * as z from "zod";
import type { Env } from "../../core/env.ts";
import { CfHttpError, cfErrors } from "../../core/errors.ts";
import { fieldIssues } from "../../core/validate.ts";
import { workersErrors } from "./errors.ts";
import type { WorkerModule } from "./store.ts";

/** Module part types Cloudflare accepts (docs/reference/cloudflare-api.md §6.2). */
const MODULE_TYPES = new Set([
  "application/javascript+module",
  "text/javascript+module",
  "application/javascript",
  "text/javascript",
  "text/x-python",
  "text/x-python-requirement",
  "application/wasm",
  "text/plain",
  "application/octet-stream",
  "application/source-map",
]);

/** The name a raw (non-multipart) service-worker upload gets, as Cloudflare's errors show it. */
const RAW_SCRIPT_NAME = "worker.js";

const mediaType = (header: string | undefined) => (header ?? "").split(";")[0]!.trim().toLowerCase();

export interface ConfigForm {
  /** The JSON config part (`metadata` of an upload, `settings` of a settings PATCH), not yet validated. */
  config: unknown;
  modules: WorkerModule[];
}

async function readForm(c: Context<Env>): Promise<FormData> {
  try {
    return await c.req.formData();
  } catch (e) {
    // A body over the limit surfaces here, from inside the stream: keep its 413.
    if (e instanceof CfHttpError) throw e;
    throw workersErrors.unparseableBody();
  }
}

/** One part of a multipart body: its name, its file name if any, its declared type (text/plain without one) and its bytes. */
export interface FormPart {
  name: string;
  fileName?: string;
  contentType: string;
  bytes: Uint8Array<ArrayBuffer>;
}

/** Every part of a multipart body, in order. */
export async function readParts(c: Context<Env>): Promise<FormPart[]> {
  if (mediaType(c.req.header("content-type")) !== "multipart/form-data") throw workersErrors.badContentType();
  const form = await readForm(c);
  const entries: [string, FormDataEntryValue][] = [];
  form.forEach((value, key) => {
    entries.push([key, value]);
  });
  const parts: FormPart[] = [];
  for (const [name, value] of entries) {
    parts.push(
      typeof value === "string"
        ? { name, contentType: "text/plain", bytes: new TextEncoder().encode(value) }
        : {
            name,
            ...(value.name ? { fileName: value.name } : {}),
            // RFC 7578: a part without Content-Type is text/plain.
            contentType: value.type || "text/plain",
            bytes: new Uint8Array(await value.arrayBuffer()),
          },
    );
  }
  return parts;
}

/**
 * Reads a multipart body with one JSON part named `configPart` and module parts. Cloudflare wants
 * the JSON in that one part: the bracketed fields (`metadata[main_module]`) the SDK makes of a
 * plain object are not read, and it answers as it does here. A module is named by its part's
 * filename (the SDK's `files[]` parts carry only that), else by the part name.
 */
export async function readConfigForm(c: Context<Env>, configPart: string): Promise<ConfigForm> {
  const parts = await readParts(c);
  const raw = parts.find((p) => p.name === configPart);
  if (!raw) throw workersErrors.invalid(`could not read content for part ${configPart}`);
  let config: unknown;
  try {
    config = JSON.parse(new TextDecoder().decode(raw.bytes));
  } catch {
    throw workersErrors.invalid(`${configPart} part is not valid JSON`);
  }
  const modules: WorkerModule[] = [];
  for (const part of parts) {
    if (part.name === configPart) continue;
    const name = part.fileName ?? part.name;
    const contentType = mediaType(part.contentType) || "text/plain";
    if (!MODULE_TYPES.has(contentType)) {
      throw workersErrors.invalid(`module ${name} has unsupported Content-Type ${contentType}`);
    }
    if (modules.some((m) => m.name === name)) throw workersErrors.invalid(`module ${name} is uploaded twice`);
    modules.push({ name, contentType, bytes: part.bytes });
  }
  return { config, modules };
}

/**
 * A script upload: multipart with a `metadata` part, or (legacy) the raw body of a
 * service-worker script, which is what a multipart body sent under a JavaScript type becomes.
 */
export async function readUpload(c: Context<Env>): Promise<ConfigForm> {
  const type = mediaType(c.req.header("content-type"));
  if (type !== "application/javascript" && type !== "text/javascript") return readConfigForm(c, "metadata");
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  return {
    config: { body_part: RAW_SCRIPT_NAME },
    modules: [{ name: RAW_SCRIPT_NAME, contentType: type, bytes }],
  };
}

/** Validates a value, naming it (`metadata`, `settings`, `script_name`) in each field error. */
export function parseLabelled<T extends z.ZodType>(schema: T, value: unknown, label: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw cfErrors.invalidField(
    fieldIssues(parsed.error).map((i) => ({ ...i, path: i.path ? `${label}.${i.path}` : label })),
  );
}
