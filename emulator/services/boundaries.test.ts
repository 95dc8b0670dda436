import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * No service reaches into another's data: what one service takes from another is a type (the small
 * interface it is built with: Stream's state changes, Calls' secrets, the tokens check), and the
 * object itself is handed over where the services are assembled (emulator/server.ts).
 */
const services = new URL(".", import.meta.url).pathname;

/** `import …` statements naming another service's folder, that are not `import type`. */
function valueImportsOfOtherServices(service: string, source: string): string[] {
  const imports = source.match(/^import[^;]*?from "\.\.\/[a-z-]+\/[^"]*";/gms) ?? [];
  return imports.filter((i) => !i.startsWith("import type ") && !i.includes(`"../${service}/`));
}

describe("services", () => {
  it("take only types from each other", () => {
    const found: string[] = [];
    for (const service of readdirSync(services, { withFileTypes: true }).filter((d) => d.isDirectory())) {
      for (const file of readdirSync(join(services, service.name))) {
        if (!file.endsWith(".ts") || file.endsWith(".test.ts") || file === "testing.ts") continue;
        const source = readFileSync(join(services, service.name, file), "utf8");
        found.push(
          ...valueImportsOfOtherServices(service.name, source).map((i) => `${service.name}/${file}: ${i}`),
        );
      }
    }
    expect(found).toEqual([]);
  });

  it("would see a value import of another service's store (the check itself works)", () => {
    const source =
      'import { StreamStore } from "../stream/store.ts";\nimport type { X } from "../calls/store.ts";\n';
    expect(valueImportsOfOtherServices("notifications", source)).toEqual([
      'import { StreamStore } from "../stream/store.ts";',
    ]);
  });
});
