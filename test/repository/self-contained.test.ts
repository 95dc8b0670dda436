import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * A user's clone has nothing beside it: every path a tracked file names must stay inside the
 * repository, whether it is an import, a URL built from `import.meta.url`, or a link in the docs.
 */
const root = resolve(new URL("../..", import.meta.url).pathname);
const tracked = execFileSync("git", ["ls-files", "-z"], { cwd: root, encoding: "utf8" })
  .split("\0")
  .filter((f) => f && !f.endsWith(".png") && f !== "package-lock.json" && !f.endsWith(".d.ts"));

/** `../x`, `../../x/y`: a relative path that climbs, resolved from the file that names it. */
const CLIMBING = /(?<![\w.])(?:\.\.\/)+[\w.@-][\w./@-]*/g;

function escapes(file: string, reference: string): boolean {
  // Code resolves from its own folder; a `new URL(…, import.meta.url)` does too.
  const target = resolve(join(root, dirname(file)), reference);
  return relative(root, target).startsWith("..");
}

// Built from parts, so that this file does not name the path it looks for.
const sibling = ["..", "sibling", "notes.md"].join("/");

describe("the repository stands alone", () => {
  it("has no tracked file that names a path outside it", () => {
    const outside: string[] = [];
    for (const file of tracked) {
      const text = readFileSync(join(root, file), "utf8");
      for (const [reference] of text.matchAll(CLIMBING)) {
        if (escapes(file, reference)) outside.push(`${file}: ${reference}`);
      }
    }
    expect(outside).toEqual([]);
  });

  it("finds a climbing path when there is one (the check itself works)", () => {
    expect(escapes("test/conformance/openapi.ts", `../../${sibling}`)).toBe(true);
    expect(
      escapes("test/conformance/openapi.ts", "../../docs/reference/cloudflare-openapi-subset.json"),
    ).toBe(false);
    expect(`see ${sibling} and ../../y`.match(CLIMBING)).toEqual([sibling, "../../y"]);
  });
});
