import { describe, expect, it } from "vitest";
import { embedAtPlaceholder, workerModulePath } from "./placeholder.ts";

describe("embedAtPlaceholder", () => {
  it("puts the literal in place of the placeholder in any quotes, `$` included", () => {
    for (const quote of ['"', "'", "`"]) {
      const source = `export const V = ${quote}__P__${quote};`;
      expect(embedAtPlaceholder(source, "__P__", '{"price":"$&$1"}', "m.ts")).toBe(
        'export const V = {"price":"$&$1"};',
      );
    }
  });

  it("refuses a source that holds the placeholder other than once, naming where", () => {
    expect(() => embedAtPlaceholder("export {}", "__P__", "1", "m.ts")).toThrow(
      "m.ts must hold the placeholder __P__ exactly once, as a string literal; it holds it 0 times",
    );
    expect(() => embedAtPlaceholder(`"__P__";'__P__'`, "__P__", "1", "m.ts")).toThrow("it holds it 2 times");
    // An unquoted mention (in a comment, say) is not the literal.
    expect(() => embedAtPlaceholder("// __P__", "__P__", "1", "m.ts")).toThrow("it holds it 0 times");
  });
});

describe("workerModulePath", () => {
  it("matches worker/src/<file> by either separator, and nothing else", () => {
    const matches = workerModulePath("tenant-map-source.ts");
    expect(matches.test("/repo/worker/src/tenant-map-source.ts")).toBe(true);
    expect(matches.test("C:\\repo\\worker\\src\\tenant-map-source.ts")).toBe(true);
    expect(matches.test("/repo/worker/src/tenant-map-source.tsx")).toBe(false);
    expect(matches.test("/repo/worker/src/tenant-map-sourceXts")).toBe(false);
    expect(matches.test("/repo/contracts/worker/tenant-map-source.ts")).toBe(false);
    expect(matches.test("/repo/myworker/src/tenant-map-source.ts")).toBe(false);
  });
});
