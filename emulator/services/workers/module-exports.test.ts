import { describe, expect, it } from "vitest";
import { parseJavaScript } from "./module-analysis.ts";
import { entryExportNames, moduleExports } from "./module-exports.ts";

const exportsOf = (source: string) => moduleExports(parseJavaScript(source, "m.js", "module"));

describe("module exports", () => {
  it("reads every form of named and default export", () => {
    expect(
      exportsOf(`
        export class Room {}
        export function helper() {}
        export const { a, b: [c, ...d] } = obj, e = 1;
        const f = 1;
        export { f as g, f as "h i" };
        export { j } from "./other.js";
        export * as ns from "./ns.js";
        export * from "./all.js";
        export default {};
      `),
    ).toEqual({
      names: ["Room", "helper", "a", "c", "d", "e", "g", "h i", "j", "ns", "default"],
      reexportsAllFrom: ["./all.js"],
    });
  });

  it("follows export * through the uploaded modules, never passing on their default", () => {
    const modules: Record<string, string> = {
      "worker.js": 'export * from "./lib/rooms.js"; export * from "cloudflare:workers"; export default {};',
      "lib/rooms.js": 'export class Lobby {} export * from "../lib/more.js"; export default 1;',
      "lib/more.js": 'export class Stage {} export * from "./rooms.js";',
    };
    const names = entryExportNames("worker.js", (name) =>
      modules[name] === undefined ? undefined : exportsOf(modules[name]!),
    );
    expect([...names].sort()).toEqual(["Lobby", "Stage", "default"]);
  });
});
