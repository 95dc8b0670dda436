import { request } from "node:http";
import { fileURLToPath } from "node:url";
import { DynamicProviderHost } from "./dynamic-host.ts";
import type { RecordedResource } from "./state-file.ts";

/** Test helpers for the local engine; imported by tests only. */

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

/** The repository's folder: the Pulumi project, where Pulumi starts the dynamic-provider host. */
export const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));

/**
 * Deletes recorded resources as a later `pulumi destroy` would: in a fresh dynamic-provider host,
 * started in `cwd`, with nothing but each resource's state (its `__provider` included).
 */
export async function deleteInFreshHost(
  resources: RecordedResource[],
  config: Record<string, string>,
  cwd: string = REPO_ROOT,
): Promise<void> {
  const host = await DynamicProviderHost.start({ cwd, project: "engine-test", stack: "test" });
  try {
    await host.configure(config);
    for (const r of resources) await host.delete(`urn:${r.name}`, r.id, r.outputs, r.inputs);
  } finally {
    await host.close();
  }
}
