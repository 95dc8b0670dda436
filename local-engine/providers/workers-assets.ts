import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { extname, join, relative, sep } from "node:path";
import { workerAssetsUpload, workerAssetsUploadSession } from "#contracts/cloudflare/workers.ts";
import type { CloudflareRest } from "#infra/cloudflare-rest.ts";
import { accountPath, type Props } from "../provider.ts";

/**
 * What terraform-provider-cloudflare v5.22.0 does with `WorkersScript.assets.directory` before it
 * uploads the script (internal/services/workers_script/assets.go, `handleAssets`): a manifest of
 * every file under the directory, an upload session for it, each bucket the session asks for as
 * one multipart request of base64 parts, and the completion token put in the upload's metadata.
 */

interface ManifestEntry {
  file: string;
  hash: string;
  size: number;
}

/** The directory's files by their path under the Worker's origin. */
export type AssetManifest = ReadonlyMap<string, ManifestEntry>;

/**
 * `getAssetManifest`: each file's path from the directory, with a leading slash; its hash is SHA-256
 * hex cut to 32 characters. Read once per upload: the session, the buckets and the state's hash all
 * come from it.
 */
export function assetManifest(directory: string): AssetManifest {
  const manifest = new Map<string, ManifestEntry>();
  for (const entry of readdirSync(directory, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    const bytes = readFileSync(file);
    manifest.set(`/${relative(directory, file).split(sep).join("/")}`, {
      file,
      hash: createHash("sha256").update(bytes).digest("hex").slice(0, 32),
      size: bytes.byteLength,
    });
  }
  return manifest;
}

/**
 * `getAssetManifestHash`, the computed `assetManifestSha256`: SHA-256 hex of the manifest as Go's
 * encoding/json writes it, keys sorted, each entry `{"hash","size"}`.
 */
export function assetManifestSha256(manifest: AssetManifest): string {
  const json = `{${[...manifest.keys()]
    .sort()
    .map((path) => {
      const { hash, size } = manifest.get(path)!;
      return `${JSON.stringify(path)}:{"hash":${JSON.stringify(hash)},"size":${size}}`;
    })
    .join(",")}}`;
  return createHash("sha256").update(json).digest("hex");
}

/**
 * The type each part declares, as Go's `mime.TypeByExtension` answers from its built-in table for
 * the files a dashboard ships (a system mime.types file may change these on the provider's host).
 */
const GO_MIME_TYPES: Record<string, string> = {
  ".css": "text/css; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".wasm": "application/wasm",
};

/** Uploads the manifest's files and returns the completion token the script upload redeems. */
export async function uploadAssets(
  inputs: Props,
  manifest: AssetManifest,
  api: CloudflareRest,
): Promise<string> {
  const session = await api.call(
    "POST",
    `${accountPath(inputs)}/workers/scripts/${String(inputs.scriptName)}/assets-upload-session`,
    workerAssetsUploadSession,
    { manifest: Object.fromEntries([...manifest].map(([path, { hash, size }]) => [path, { hash, size }])) },
  );
  const noToken = new Error("failed to upload assets: no completion token received from upload session");
  if (session.buckets.length === 0) {
    if (!session.jwt) throw noToken;
    return session.jwt;
  }
  const byHash = new Map([...manifest.values()].map((e) => [e.hash, e]));
  let completion: string | undefined;
  for (const bucket of session.buckets) {
    const form = new FormData();
    for (const hash of bucket) {
      const entry = byHash.get(hash)!;
      const type = GO_MIME_TYPES[extname(entry.file)] ?? "";
      // The part's file name is the file's path on the provider's host, as the provider sends it.
      form.append(hash, new Blob([readFileSync(entry.file).toString("base64")], { type }), entry.file);
    }
    const uploaded = await api.call(
      "POST",
      `${accountPath(inputs)}/workers/assets/upload?base64=true`,
      workerAssetsUpload,
      form,
      { token: session.jwt },
    );
    if (uploaded.jwt) completion = uploaded.jwt;
  }
  if (!completion) throw noToken;
  return completion;
}
