import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import {
  embedOpenApiSchemas,
  OPENAPI_SCHEMAS_MODULE,
  OPENAPI_SCHEMAS_PLACEHOLDER,
} from "#contracts/api/openapi-schemas.ts";
import { workerModulePath } from "#contracts/worker/placeholder.ts";
import { buildDashboardAssets } from "./dashboard-assets.ts";
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
   * The Worker's static assets (the dashboard's script and stylesheet), uploaded beside the script
   * through Cloudflare's assets upload session and served before the Worker is invoked.
   */
  assetsDirectory: string;
}

/** Converts the OpenAPI document's schemas from zod while the Worker is bundled, not in the Worker. */
const openApiSchemas: esbuild.Plugin = {
  name: "realtime-stack:openapi-schemas",
  setup(build) {
    build.onLoad({ filter: workerModulePath(OPENAPI_SCHEMAS_MODULE) }, ({ path }) => ({
      contents: embedOpenApiSchemas(readFileSync(path, "utf8")),
      loader: "ts",
    }));
  },
};

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

/**
 * Builds the dashboard's static assets, then bundles and minifies the Worker the way wrangler does (ES module, workerd export conditions, `cloudflare:`
 * and `node:` imports left to the runtime), and checks that every Durable Object class the
 * program binds is exported: Cloudflare would otherwise reject the upload halfway through a deploy.
 */
export async function buildWorkerBundle(entry: string = WORKER_ENTRY): Promise<WorkerBundle> {
  const assetsDirectory = await buildDashboardAssets();
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
    plugins: [openApiSchemas],
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
  // A Worker that still holds the placeholder would deploy and then answer 500 on its OpenAPI route.
  if (output.text.includes(OPENAPI_SCHEMAS_PLACEHOLDER)) {
    throw new Error(
      `the Worker (${entry}) was bundled without its OpenAPI schemas: the openapi-schemas plugin did not run`,
    );
  }
  const sha256 = createHash("sha256").update(output.contents).digest("hex");
  return {
    mainModule: WORKER_MAIN_MODULE,
    content: output.text,
    sha256,
    version: `${packageVersion()}+${sha256.slice(0, 12)}`,
    bytesByInput: Object.fromEntries(
      Object.entries(meta.inputs).map(([input, { bytesInOutput }]) => [input, bytesInOutput]),
    ),
    assetsDirectory,
  };
}
