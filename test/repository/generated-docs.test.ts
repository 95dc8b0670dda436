import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { renderBenchReadme } from "#bench/report/render.ts";
import { CONFIGURATION_DOC, renderConfigurationDoc } from "#scripts/docs/configuration-doc.ts";
import { WORKER_API_DOC, withRouteTable } from "#scripts/docs/worker-api-routes.ts";

/**
 * Files written by a script are committed, so they can be read on the code host; each must be
 * what its script writes today, or it tells a reader something the code no longer does.
 */
const root = resolve(new URL("../..", import.meta.url).pathname);
const committed = (file: string) => readFileSync(join(root, file), "utf8");

describe("generated docs are up to date", () => {
  it("docs/configuration.md is the config schema's (npm run docs:config regenerates it)", () => {
    expect(
      committed(CONFIGURATION_DOC) === renderConfigurationDoc(),
      `${CONFIGURATION_DOC} is out of date with infra/config.ts: run npm run docs:config and commit it`,
    ).toBe(true);
  });

  it("docs/configuration.md describes every top-level key and every field below one", () => {
    const doc = renderConfigurationDoc();
    const undescribed = [...doc.matchAll(/^`realtime-stack:(\w+)`: $/gm)].map((m) => m[1]);
    expect(undescribed).toEqual([]);
    // A field row is `| path | type | default | rules | what |`; a pipe inside a cell is escaped.
    const fieldRows = doc.split("\n").filter((line) => /^\| `[^`]+` \| /.test(line) && !line.includes("](#"));
    const cellsOf = (row: string) =>
      row
        .split(/(?<!\\)\|/)
        .slice(1, -1)
        .map((c) => c.trim());
    expect(fieldRows.length).toBeGreaterThan(50);
    expect(fieldRows.every((row) => cellsOf(row).length === 5)).toBe(true);
    expect(fieldRows.filter((row) => cellsOf(row)[4] === "")).toEqual([]);
  });

  it("docs/worker-api.md's route table is the route table's (npm run docs:api regenerates it)", () => {
    const doc = committed(WORKER_API_DOC);
    expect(
      doc === withRouteTable(doc),
      `the route table in ${WORKER_API_DOC} is out of date with contracts/api/routes.ts: run npm run docs:api and commit it`,
    ).toBe(true);
  });

  it("bench/README.md is the recorded results' (npm run bench:readme regenerates it)", () => {
    expect(
      committed("bench/README.md") === renderBenchReadme(root),
      "bench/README.md is out of date with bench/results/ or package.json's benches: run npm run bench:readme and commit it",
    ).toBe(true);
  });
});
