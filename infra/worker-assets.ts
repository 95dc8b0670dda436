import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { buildOpenApiDocument } from "#contracts/api/openapi-schemas.ts";
import { API_ROUTES } from "#contracts/api/routes.ts";
import { DASHBOARD_SCRIPT_PATH, DASHBOARD_STYLE_PATH } from "#contracts/worker/dashboard-assets.ts";

/**
 * The Worker's static assets, built with it (worker-bundle.ts) by the Pulumi program and by the
 * tests alike, and served by Cloudflare before the Worker: the dashboard's browser code
 * (worker/src/dashboard/client/, TypeScript) bundled and minified, its stylesheet, and the API's
 * OpenAPI document. Nothing of it is committed. Served as files, none of them counts towards the
 * script's size.
 */

const CLIENT_ENTRY = fileURLToPath(new URL("../worker/src/dashboard/client/main.ts", import.meta.url));
const STYLE_FILE = fileURLToPath(new URL("../worker/src/dashboard/style.css", import.meta.url));

/** Where builds go (ignored by git): one directory per content, named by its hash. */
const ASSETS_ROOT = fileURLToPath(new URL("../worker/dist/assets", import.meta.url));

/** Each asset's path under the Worker's origin, and its content. */
export type WorkerAssets = ReadonlyMap<string, string>;

/** The assets of the Worker whose code version (as /healthz reports it) is `version`. */
export async function renderWorkerAssets(version: string): Promise<WorkerAssets> {
  const bundle = await esbuild.build({
    entryPoints: [CLIENT_ENTRY],
    bundle: true,
    write: false,
    format: "esm",
    target: "es2022",
    platform: "browser",
    minify: true,
    legalComments: "none",
    charset: "utf8",
    logLevel: "silent",
  });
  const style = await esbuild.transform(readFileSync(STYLE_FILE, "utf8"), {
    loader: "css",
    minify: true,
    charset: "utf8",
  });
  return new Map([
    [DASHBOARD_SCRIPT_PATH, bundle.outputFiles[0]!.text],
    [DASHBOARD_STYLE_PATH, style.code],
    [API_ROUTES.openapi.path, JSON.stringify(buildOpenApiDocument({ version }))],
  ]);
}

/**
 * Writes the assets into a directory named by their content, and returns it. The name is what the
 * program hands the provider, so a change of content is a change of input that Pulumi (and the
 * local engine) updates the Worker for. The directory is filled aside and renamed into place, so
 * that a test or a deploy reading it while another process builds the same content never sees
 * half a file.
 */
export async function buildWorkerAssets(version: string): Promise<string> {
  const assets = await renderWorkerAssets(version);
  const hash = createHash("sha256");
  for (const [path, content] of assets) hash.update(`${path}\0${content}\0`);
  const directory = join(ASSETS_ROOT, hash.digest("hex").slice(0, 16));
  if (existsSync(directory)) {
    // Built again: its age now counts from this build (pruneStaleBuilds).
    const now = new Date();
    utimesSync(directory, now, now);
    return directory;
  }
  pruneStaleBuilds(ASSETS_ROOT, Date.now());
  const staging = `${directory}.${process.pid}.staging`;
  for (const [path, content] of assets) {
    const file = join(staging, ...path.split("/").filter(Boolean));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  try {
    renameSync(staging, directory);
  } catch (e) {
    // Another process renamed the same content into place first.
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(directory)) throw e;
  }
  return directory;
}

/** A build nobody has made for this long belongs to code that has moved on. */
const STALE_AFTER_MS = 24 * 60 * 60 * 1000;

/** The newest builds, kept whatever their age: a long-running `npm start` may serve one of them. */
const KEEP_NEWEST = 5;

/**
 * Removes old builds (and staging folders a killed process left), so that a checkout edited for
 * months does not keep every version of the assets. A build goes once it is neither among the
 * newest few nor built in the last day: Miniflare serves a running local Worker's assets from its
 * directory, so a build still in use must stay.
 */
export function pruneStaleBuilds(root: string, now: number): void {
  if (!existsSync(root)) return;
  const builds = readdirSync(root)
    .map((entry) => ({ path: join(root, entry), builtAt: statSync(join(root, entry)).mtimeMs }))
    .sort((a, b) => b.builtAt - a.builtAt);
  for (const { path, builtAt } of builds.slice(KEEP_NEWEST)) {
    if (now - builtAt > STALE_AFTER_MS) rmSync(path, { recursive: true, force: true });
  }
}
