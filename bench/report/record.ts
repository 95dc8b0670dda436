import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem, type } from "node:os";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { BENCH_ROOT, benchScripts, RESULTS_DIR } from "./benches.ts";
import { type BenchResult, benchResultSchema } from "./result.ts";

/**
 * Runs one benchmark through its npm script, passing its output through unchanged, and records
 * what it printed in bench/results/<name>.json; `npm run bench:readme` then renders bench/README.md.
 *
 *   npm run bench:record -- worker-bundle
 *   npm run bench:record -- worker-overhead --many-tenants 300
 */
const USAGE = "usage: npm run bench:record -- <bench name> [bench flags…]";

const [name, ...flags] = process.argv.slice(2);
const known = benchScripts();
if (name === undefined || name === "--help") {
  console.log(`${USAGE}\nbenches: ${known.map((b) => b.bench).join(", ")}`);
  process.exit(name === undefined ? 2 : 0);
}
if (!known.some((b) => b.bench === name)) {
  console.error(`no bench "${name}" (known: ${known.map((b) => b.bench).join(", ")})\n${USAGE}`);
  process.exit(2);
}

const started = Date.now();
const loadAverage = loadavg()[0]!;
let peakLoadAverage = loadAverage;
const sampling = setInterval(() => {
  peakLoadAverage = Math.max(peakLoadAverage, loadavg()[0]!);
}, 15_000);
const child = spawn("npm", ["run", "--silent", `bench:${name}`, "--", ...flags], {
  cwd: BENCH_ROOT,
  stdio: ["ignore", "pipe", "inherit"],
});
const chunks: Buffer[] = [];
child.stdout.on("data", (chunk: Buffer) => {
  chunks.push(chunk);
  process.stdout.write(chunk);
});
const code = await new Promise<number>((resolve) => child.on("close", (c) => resolve(c ?? 1)));
clearInterval(sampling);
if (code !== 0) {
  // A failed run measured nothing worth keeping: the previous result stays.
  console.error(`bench:${name} exited ${code}; nothing recorded`);
  process.exit(code);
}

const cpuList = cpus();
const result: BenchResult = benchResultSchema.parse({
  bench: name,
  command: ["npm run", `bench:${name}`, ...(flags.length > 0 ? ["--", ...flags] : [])].join(" "),
  recordedAt: new Date(started).toISOString(),
  durationSeconds: Math.round((Date.now() - started) / 100) / 10,
  machine: {
    cpus: cpuList.length,
    cpuModel: cpuList[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${type()} ${release()}`,
    node: process.version,
    loadAverage: Math.round(loadAverage * 100) / 100,
    peakLoadAverage: Math.round(Math.max(peakLoadAverage, loadavg()[0]!) * 100) / 100,
  },
  output: stripVTControlCharacters(Buffer.concat(chunks).toString("utf8")).trimEnd(),
});
mkdirSync(RESULTS_DIR, { recursive: true });
const file = join(RESULTS_DIR, `${name}.json`);
writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
console.error(`recorded ${file}; npm run bench:readme renders bench/README.md`);
