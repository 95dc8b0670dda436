import type { ScriptUpdateParams } from "cloudflare/resources/workers/scripts/scripts";
import type { ConformanceContext } from "./harness.ts";

/**
 * Cloudflare reads the metadata (and a settings PATCH's settings) from one JSON part. The SDK
 * turns a plain object into bracketed form fields that Cloudflare does not read
 * (cloudflare-typescript #2645), so the JSON goes in as a file part.
 */
export const jsonPart = <T>(name: string, value: unknown) =>
  new File([JSON.stringify(value)], name, { type: "application/json" }) as unknown as T;

/**
 * The SDK labels the upload `application/javascript` even when the body is multipart, which
 * Cloudflare then reads as one service-worker script; without the header, fetch sends
 * `multipart/form-data` with its boundary.
 */
const MULTIPART = { headers: { "Content-Type": null } };

/** One module part of an upload. */
export const moduleFile = (name: string, source: BlobPart, type = "application/javascript+module") =>
  new File([source], name, { type });

/** Uploads a script through the official SDK (`workers.scripts.update`), the metadata as one JSON part. */
export const uploadScript = (ctx: ConformanceContext, name: string, metadata: unknown, files: File[]) =>
  ctx.sdk().workers.scripts.update(
    name,
    {
      account_id: ctx.emu.accountId,
      metadata: jsonPart<ScriptUpdateParams.Metadata>("metadata.json", metadata),
      files,
    },
    MULTIPART,
  );
