import { fileURLToPath } from "node:url";
import { buildSync } from "esbuild";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The repository files an entry loads before it runs: static imports only (`--local` loads the rest on demand). */
function staticImports(entry: string): string[] {
  const { metafile } = buildSync({
    entryPoints: [entry],
    absWorkingDir: ROOT,
    bundle: true,
    platform: "node",
    format: "esm",
    packages: "external",
    metafile: true,
    write: false,
    logLevel: "silent",
  });
  const seen = new Set([entry]);
  const queue = [entry];
  while (queue.length > 0) {
    for (const i of metafile.inputs[queue.pop()!]?.imports ?? []) {
      if (i.kind !== "import-statement" || i.external || seen.has(i.path)) continue;
      seen.add(i.path);
      queue.push(i.path);
    }
  }
  return [...seen];
}

describe("the scripts a real stack runs", () => {
  it.each(["scripts/smoke.ts", "scripts/rotate.ts", "scripts/deploy.ts"])(
    "%s loads no emulator or local-engine code unless --local asks for it",
    (entry) => {
      const local = staticImports(entry).filter((p) => /^(emulator|local-engine)\//.test(p));
      expect(local).toEqual([]);
    },
  );
});
