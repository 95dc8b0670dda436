import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { buildWorkerAssets } from "./worker-assets.ts";
import { DURABLE_OBJECTS, WORKER_ENTRY, WORKER_MAIN_MODULE } from "./worker-settings.ts";

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The Worker's code as one ES module, ready for `WorkersScript.content` once the tenant map is in. */
export interface WorkerBundle {
  mainModule: string;
  /**
   * The script, holding the tenant map's placeholder: `embedTenantMap` (contracts/worker/tenant-map.ts)
   * puts the stack's map in, once its live inputs are known.
   */
  content: string;
  /** SHA-256 of `content`, hex. */
  sha256: string;
  /** Package version plus the start of the hash (of the code, not the map): `/healthz` then says which code is live. */
  version: string;
  /** Bytes each source file contributes to `content`, for size reports. */
  bytesByInput: Record<string, number>;
  /**
   * The Worker's static assets (the dashboard's script and stylesheet, the OpenAPI document),
   * uploaded beside the script through Cloudflare's assets upload session and served before the
   * Worker is invoked.
   */
  assetsDirectory: string;
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

/**
 * Bundles and minifies the Worker the way wrangler does (ES module, workerd export conditions,
 * `cloudflare:` and `node:` imports left to the runtime), checks that every Durable Object class
 * the program binds is exported (Cloudflare would otherwise reject the upload halfway through a
 * deploy), then builds the static assets that go with this version of the code.
 */
export async function buildWorkerBundle(entry: string = WORKER_ENTRY): Promise<WorkerBundle> {
  const result = await esbuild.build({
    entryPoints: [entry],
    // Paths in the output are relative to this, so the hash does not depend on the caller's cwd.
    absWorkingDir: REPO_ROOT,
    outfile: WORKER_MAIN_MODULE,
    bundle: true,
    write: false,
    metafile: true,
    format: "esm",
    target: "es2022",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["browser", "module", "main"],
    external: ["cloudflare:*", "node:*"],
    legalComments: "none",
    // What is uploaded is what the size budget counts, as `wrangler deploy --minify` would send.
    minify: true,
    logLevel: "silent",
  });
  const [output] = result.outputFiles;
  const [meta] = Object.values(result.metafile.outputs);
  if (!output || !meta) throw new Error(`esbuild produced no output for ${entry}`);
  const missing = DURABLE_OBJECTS.filter((d) => !meta.exports.includes(d.className));
  if (missing.length > 0) {
    throw new Error(
      `the Worker (${entry}) does not export its Durable Object classes: ${missing.map((d) => d.className).join(", ")}; ` +
        "export them from the entry module or update DURABLE_OBJECTS in infra/worker-settings.ts",
    );
  }
  const sha256 = createHash("sha256").update(output.contents).digest("hex");
  const version = `${packageVersion()}+${sha256.slice(0, 12)}`;
  return {
    mainModule: WORKER_MAIN_MODULE,
    content: output.text,
    sha256,
    version,
    bytesByInput: Object.fromEntries(
      Object.entries(meta.inputs).map(([input, { bytesInOutput }]) => [input, bytesInOutput]),
    ),
    assetsDirectory: await buildWorkerAssets(version),
  };
}
