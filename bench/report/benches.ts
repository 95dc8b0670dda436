import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BenchResult, benchResultSchema } from "./result.ts";

export const BENCH_ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const RESULTS_DIR = join(BENCH_ROOT, "bench", "results");

/** A benchmark as package.json declares it: `bench:<name>` running `tsx bench/<file>.ts`. */
export interface BenchScript {
  bench: string;
  file: string;
  /** What it measures: the bench file's own opening doc comment. */
  measures: string;
}

/** The benches, from package.json's `bench:*` scripts, so that a new bench is listed without a second edit. */
export function benchScripts(root = BENCH_ROOT): BenchScript[] {
  const { scripts } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    scripts: Record<string, string>;
  };
  return Object.entries(scripts).flatMap(([script, command]) => {
    const file = /^tsx (bench\/[\w-]+\.ts)$/.exec(command)?.[1];
    if (!script.startsWith("bench:") || file === undefined) return [];
    return [{ bench: script.slice("bench:".length), file, measures: openingDocComment(join(root, file)) }];
  });
}

/**
 * The first multi-line `/** … *\/` block of a file, as one paragraph; its usage lines
 * (`npm run bench:x`) are left out, since the README gives the command itself.
 */
function openingDocComment(path: string): string {
  const block = /\/\*\*\n((?: \*.*\n)+?) \*\//.exec(readFileSync(path, "utf8"))?.[1];
  if (block === undefined) throw new Error(`${path} has no opening doc comment saying what it measures`);
  return block
    .split("\n")
    .map((line) => line.replace(/^ \* ?/, ""))
    .filter((line) => line.trim() !== "" && !/^\s*npm run /.test(line))
    .map((line) => line.trim())
    .join(" ")
    .trim();
}

/** The recorded result of a bench, or undefined when it has never been recorded. */
export function readResult(bench: string, root = BENCH_ROOT): BenchResult | undefined {
  const file = join(root, "bench", "results", `${bench}.json`);
  if (!existsSync(file)) return undefined;
  return benchResultSchema.parse(JSON.parse(readFileSync(file, "utf8")));
}
