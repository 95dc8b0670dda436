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
 */
export function assetUploadRoutes({ assetUploads }: WorkersRouteDeps) {
  const routes = new Hono<Env>();
  routes.post("/", async (c) => {
    const jwt = assetUploads.sessionToken(c.req.header("authorization"));
    // The Direct Uploads page asks for base64=true; how Cloudflare refuses an upload without it is
    // not documented: 400 with 10021, the Workers API's validation code, is a guess.
    if (c.req.query("base64") !== "true") {
      throw workersErrors.invalid("base64 must be true: upload each file's content base64-encoded");
    }
    const files = new Map<string, StoredAssetFile>();
    for (const part of await readParts(c)) {
      const base64Text = new TextDecoder().decode(part.bytes).replace(/\s+/g, "");
      files.set(part.name, { content_type: part.contentType, base64Text });
    }
    const completion = assetUploads.received(jwt, files);
    return completion ? cfOk(c, { jwt: completion }, 201) : cfOk(c, {}, 202);
  });
  return routes;
}
