import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * No service reaches into another's data: what one service takes from another is a type (the small
 * interface it is built with: Stream's state changes, Calls' secrets, the tokens check), and the
 * object itself is handed over where the services are assembled (emulator/server.ts).
 */
const services = new URL(".", import.meta.url).pathname;
const emulator = resolve(services, "..");

/** The service folder `path` lies in (its first folder under services/), or undefined outside them. */
function serviceOf(path: string): string | undefined {
  const inside = relative(services, path);
  if (inside.startsWith("..") || !inside.includes(sep)) return undefined;
  return inside.split(sep)[0];
}

/** Where a relative or `#emulator/…` specifier written in `file` points, or undefined for a package. */
function target(file: string, specifier: string): string | undefined {
  if (specifier.startsWith(".")) return resolve(dirname(file), specifier);
  if (specifier.startsWith("#emulator/")) return resolve(emulator, specifier.slice("#emulator/".length));
  return undefined;
}

/** `import …`/`export … from` statements in `file` that land in another service's folder, not `import type`. */
function valueImportsOfOtherServices(file: string, source: string): string[] {
  const own = serviceOf(file);
  const statements = source.match(/^(?:import\b[^;]*?from |import |export\b[^;]*?from )"[^"]+";/gms) ?? [];
  return statements.filter((statement) => {
    if (/^(?:import|export) type /.test(statement)) return false;
    const specifier = statement.match(/"([^"]+)";$/)?.[1] ?? "";
    const landing = target(file, specifier);
    const other = landing === undefined ? undefined : serviceOf(landing);
    return other !== undefined && other !== own;
  });
}

describe("services", () => {
  it("take only types from each other", () => {
    const found: string[] = [];
    for (const entry of readdirSync(services, { recursive: true, encoding: "utf8" })) {
      const name = entry.split(sep).at(-1) ?? "";
      if (!name.endsWith(".ts") || name.endsWith(".test.ts") || name === "testing.ts") continue;
      const file = join(services, entry);
      const source = readFileSync(file, "utf8");
      found.push(...valueImportsOfOtherServices(file, source).map((i) => `${entry}: ${i}`));
    }
    expect(found).toEqual([]);
  });

  it("would see a value import of another service's store (the check itself works)", () => {
    const source =
      'import { StreamStore } from "../stream/store.ts";\nimport type { X } from "../calls/store.ts";\n';
    expect(valueImportsOfOtherServices(join(services, "notifications", "routes.ts"), source)).toEqual([
      'import { StreamStore } from "../stream/store.ts";',
    ]);
  });

  it("sees it from a service's subfolder and through #emulator, but not its own folder or core", () => {
    // Climbing paths built from parts, so that the repository's own checks do not read them as this file's.
    const up = (levels: number, rest: string) => `${"../".repeat(levels)}${rest}`;
    const file = join(services, "media", "sfu", "plane.ts");
    const source = [
      `import { RealtimeStore } from "${up(2, "realtime/store.ts")}";`,
      'import { TurnKeys } from "#emulator/services/realtime/turn.ts";',
      `export { StreamStore } from "${up(2, "stream/store.ts")}";`,
      'import { MediaStore } from "../store.ts";',
      `import { Faults } from "${up(3, "core/faults.ts")}";`,
      `import type { CallsStore } from "${up(2, "calls/store.ts")}";`,
      'import * as z from "zod";',
    ].join("\n");
    expect(valueImportsOfOtherServices(file, source)).toEqual([
      `import { RealtimeStore } from "${up(2, "realtime/store.ts")}";`,
      'import { TurnKeys } from "#emulator/services/realtime/turn.ts";',
      `export { StreamStore } from "${up(2, "stream/store.ts")}";`,
    ]);
  });
});
