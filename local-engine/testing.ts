import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync } from "node:zlib";
import * as pulumi from "@pulumi/pulumi";
import { buildSync } from "esbuild";
import { PROVIDER_ENTRY } from "#infra/providers/provider-of.ts";
import { DynamicProviderHost } from "./dynamic-host.ts";
import { pluginFolder } from "./plugin-folder.ts";
import type { RecordedResource } from "./state-file.ts";

/** Test helpers for the local engine; imported by tests only. */

/**
 * The processes whose working directory is `dir`, only those `parent` started when given: a
 * dynamic-provider host is started there, and nothing else is.
 */
export function processesIn(dir: string, parent?: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`) !== dir) continue;
      const ppid = Number(/^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${entry}/status`, "utf8"))?.[1]);
      if (parent === undefined || ppid === parent) pids.push(Number(entry));
    } catch {
      // Gone already, or not ours to read.
    }
  }
  return pids;
}

/** A GET with these header lines exactly as given, repeats included (fetch would merge them). */
export function getWithHeaderLines(
  url: string,
  lines: [string, string][],
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    // Given as an array, headers are sent as they are, with no Host added.
    const headers = [["Host", new URL(url).host], ...lines].flat();
    const req = request(url, { headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** The repository's folder: the Pulumi project. */
export const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Where Pulumi starts this project's plugins (infra/), and so where the tests' engine runs start the host. */
export const HOST_FOLDER = pluginFolder(REPO_ROOT);

/**
 * Deletes recorded resources as a later `pulumi destroy` would: in a fresh dynamic-provider host,
 * started where Pulumi starts it unless `cwd` says otherwise, with nothing but each resource's
 * state (its `__provider` included).
 */
export async function deleteInFreshHost(
  resources: RecordedResource[],
  config: Record<string, string>,
  cwd: string = HOST_FOLDER,
): Promise<void> {
  const host = await DynamicProviderHost.start({ cwd, project: "engine-test", stack: "test" });
  try {
    await host.configure(config);
    for (const r of resources) await host.delete(`urn:${r.name}`, r.id, r.outputs, r.inputs);
  } finally {
    await host.close();
  }
}

/**
 * A resource's `__provider` as states written before December 2026 hold it: the provider code
 * bundled, brotli-packed and captured whole by the closure, which unpacked it in the host. The
 * closure is that version's serialized-provider.ts, kept here only to write such a state.
 */
export async function packedProvider(kind: string): Promise<string> {
  const code = buildSync({
    entryPoints: [join(REPO_ROOT, PROVIDER_ENTRY)],
    bundle: true,
    platform: "node",
    write: false,
  }).outputFiles[0]!.text;
  const packed = brotliCompressSync(code).toString("base64");
  const load = () => {
    const host = globalThis as unknown as {
      process: { getBuiltinModule(id: string): { brotliDecompressSync(b: Uint8Array): Uint8Array } };
      Buffer: { from(s: string, e: string): Uint8Array };
      __realtimeStackProviders?: Map<string, Record<string, Required<pulumi.dynamic.ResourceProvider>>>;
    };
    host.__realtimeStackProviders ??= new Map();
    const cache = host.__realtimeStackProviders;
    let loaded = cache.get(packed);
    if (!loaded) {
      const text = new TextDecoder().decode(
        host.process.getBuiltinModule("node:zlib").brotliDecompressSync(host.Buffer.from(packed, "base64")),
      );
      const module = { exports: {} as { providers?: typeof loaded } };
      new Function("module", "exports", text)(module, module.exports);
      loaded = module.exports.providers!;
      cache.set(packed, loaded);
    }
    return loaded[kind]!;
  };
  const methods = ["configure", "check", "diff", "create", "read", "update", "delete"] as const;
  const provider = Object.fromEntries(
    methods.map((method) => [
      method,
      (...args: unknown[]) => (load()[method] as (...a: unknown[]) => unknown)(...args),
    ]),
  );
  return (await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true })).text;
}
