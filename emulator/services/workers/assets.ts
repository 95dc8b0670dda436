import { Hono } from "hono";
import { workerAssetsUploadSessionRequest } from "#contracts/cloudflare/workers.ts";
import type { Env } from "../../core/env.ts";
import { cfOk } from "../../core/respond.ts";
import { jsonBody } from "../../core/validate.ts";
import { workersErrors } from "./errors.ts";
import { readParts } from "./multipart.ts";
import { WORKERS_WRITE, type WorkersRouteDeps } from "./script-context.ts";
import type { StoredAssetFile } from "./store.ts";

// The Direct Uploads routes; asset-uploads.ts holds the sessions and tokens they share.

/** `POST …/scripts/:script_name/assets-upload-session`, under an API token that may write scripts. */
export function assetSessionRoutes({ requirePermission, plan, assetUploads }: WorkersRouteDeps) {
  const routes = new Hono<Env>();
  routes.post("/", requirePermission(WORKERS_WRITE), async (c) => {
    const { manifest } = await jsonBody(c, workerAssetsUploadSessionRequest);
    return cfOk(c, assetUploads.open(c.req.param("script_name") ?? "", manifest, plan()));
  });
  return routes;
}

/**
 * `POST …/workers/assets/upload?base64=true`: files as multipart parts named by their hash, each
 * base64-encoded, authenticated by the session's token rather than an API token. "The provided
 * Content-Type header of each file part will be attached when eventually serving the file" (the
 * Direct Uploads page); 202 until the session's last file, then 201 with the completion token.
 * Every part is checked before any is stored, so that a refused upload leaves nothing behind.
 */
export function assetUploadRoutes({ store, assetUploads }: WorkersRouteDeps) {
  const routes = new Hono<Env>();
  routes.post("/", async (c) => {
    const session = assetUploads.session(c.req.header("authorization"));
    if (c.req.query("base64") !== "true") {
      throw workersErrors.invalid("base64 must be true: upload each file's content base64-encoded");
    }
    const parts = await readParts(c);
    const files = new Map<string, StoredAssetFile>();
    for (const part of parts) {
      const listed = Object.values(session.manifest).find((f) => f.hash === part.name);
      if (!listed) throw workersErrors.invalid(`file ${part.name} is not in this upload session's manifest`);
      const base64Text = new TextDecoder().decode(part.bytes).replace(/\s+/g, "");
      if (Buffer.byteLength(base64Text, "base64") !== listed.size) {
        throw workersErrors.invalid(
          `file ${part.name} is not the ${listed.size} bytes its manifest entry says`,
        );
      }
      files.set(part.name, { content_type: part.contentType, base64Text });
    }
    store.putAssetFiles(files);
    const jwt = assetUploads.received(
      session.jwt,
      parts.map((p) => p.name),
    );
    return jwt ? cfOk(c, { jwt }, 201) : cfOk(c, {}, 202);
  });
  return routes;
}
