import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * Imports between the top-level folders go through the package's `imports` aliases (`#contracts/…`),
 * so that a file says which part of the architecture it depends on, and Biome's noRestrictedImports
 * rules (biome.json's overrides) can hold the direction contracts → worker, infra, emulator →
 * local-engine → scripts. A relative import stays inside its own top-level folder.
 */
const root = resolve(new URL("../..", import.meta.url).pathname);
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  imports: Record<string, string>;
};
const sources = execFileSync("git", ["ls-files", "-z", "*.ts"], { cwd: root, encoding: "utf8" })
  .split("\0")
  .filter((f) => f && !f.endsWith(".d.ts"));

const SPECIFIER = /(?:\bfrom|\bimport)\s*\(?\s*["']([^"']+)["']/g;
const topOf = (path: string) => path.split(sep)[0]!;

function importsOf(file: string): string[] {
  return [...readFileSync(join(root, file), "utf8").matchAll(SPECIFIER)].map((m) => m[1]!);
}

describe("imports between top-level folders", () => {
  it("no relative import leaves its top-level folder", () => {
    const leaving: string[] = [];
    for (const file of sources) {
      for (const spec of importsOf(file).filter((s) => s.startsWith("../"))) {
        const target = relative(root, resolve(root, dirname(file), spec));
        if (topOf(target) !== topOf(file)) leaving.push(`${file}: ${spec}`);
      }
    }
    expect(leaving).toEqual([]);
  });

  it("every # alias names a file that exists, through package.json's imports", () => {
    const broken: string[] = [];
    for (const file of sources) {
      for (const spec of importsOf(file).filter((s) => s.startsWith("#"))) {
        const [alias, ...rest] = spec.split("/");
        const mapped = pkg.imports[`${alias}/*`];
        if (!mapped || !existsSync(join(root, mapped.replace("*", rest.join("/"))))) {
          broken.push(`${file}: ${spec}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it("the aliases are the top-level folders, each to itself", () => {
    for (const [alias, target] of Object.entries(pkg.imports)) {
      const name = alias.slice(1, -2);
      expect(target).toBe(`./${name}/*`);
      expect(existsSync(join(root, name))).toBe(true);
    }
  });
});
