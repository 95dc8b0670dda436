import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { embedTenantMap, type TenantMap } from "#contracts/worker/tenant-map.ts";
import { DEFAULT_WORKER_CLOUDFLARE_API_PER_5_MINUTES } from "#contracts/worker/upstream-shares.ts";
import { SCRIPT_BYTES } from "#emulator/services/workers/limits.ts";
import { buildWorkerBundle, type WorkerBundle } from "#infra/worker-bundle.ts";
import { COMPATIBILITY_DATE, COMPATIBILITY_FLAGS } from "#infra/worker-settings.ts";

/**
 * The Worker's upload size: the bundle the Pulumi program uploads (minified, as `wrangler deploy
 * --minify` would), gzipped as Cloudflare counts it, against the 32 KiB target; which packages the
 * bytes come from; the static assets uploaded beside it (the dashboard's script and stylesheet,
 * the OpenAPI document), which are not part of the script; then the script with a tenant map of
 * 2, 1,000 and 10,000 tenants of 3 channels compiled in, against Cloudflare's Worker size limit; and the startup of the 10,000-tenant
 * script, profiled by `wrangler check startup` (offline, in local workerd) against Cloudflare's
 * startup limit.
 */
const TARGET_KIB = 32;
/** developers.cloudflare.com/workers/platform/limits/: "Worker startup time: 1 second". */
const STARTUP_LIMIT_MS = 1_000;
const TENANT_COUNTS = [2, 1_000, 10_000];
const STARTUP_RUNS = 3;

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const gzipped = (text: string) => gzipSync(text, { level: 9 }).length;

const bundle = await buildWorkerBundle();
const raw = Buffer.byteLength(bundle.content);
const byOrigin = new Map<string, number>();
for (const [input, bytes] of Object.entries(bundle.bytesByInput)) {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1];
  const origin = pkg ?? (input.includes("contracts/") ? "contracts/" : "worker/src/");
  byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + bytes);
}

console.log(`Worker bundle as uploaded by infra/ (esbuild, minified), before its tenant map`);
console.log(`  minified:       ${kib(raw)}`);
console.log(
  `  minified+gzip:  ${kib(gzipped(bundle.content))}   (target ≤ ${TARGET_KIB} KiB: ${gzipped(bundle.content) <= TARGET_KIB * 1024 ? "met" : "missed"})`,
);
console.log(`  minified bytes by origin:`);
for (const [origin, bytes] of [...byOrigin].sort(([, a], [, b]) => b - a)) {
  console.log(
    `    ${origin.padEnd(32)}${kib(bytes).padStart(10)}  ${((100 * bytes) / raw).toFixed(0).padStart(3)}%`,
  );
}

console.log(`\nStatic assets, uploaded beside the script and served before it (not part of its size)`);
for (const entry of readdirSync(bundle.assetsDirectory, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile()) continue;
  const file = join(entry.parentPath, entry.name);
  const text = readFileSync(file, "utf8");
  console.log(
    `  /${relative(bundle.assetsDirectory, file).padEnd(30)}${kib(Buffer.byteLength(text)).padStart(10)}` +
      `  ${kib(gzipped(text)).padStart(9)} gzip`,
  );
}

/** A map as `scaledStackValues` declares tenants: one origin each, default limits, real-looking ids. */
function tenantMapOf(tenants: number, channels: number): TenantMap {
  return {
    playbackBase: `https://customer-${randomBytes(8).toString("hex")}.cloudflarestream.com`,
    cloudflareApiPer5Minutes: DEFAULT_WORKER_CLOUDFLARE_API_PER_5_MINUTES,
    tenants: Object.fromEntries(
      Array.from({ length: tenants }, (_, t) => [
        `tenant-${t}`,
        {
          channels: Object.fromEntries(
            Array.from({ length: channels }, (_, c) => [`channel-${c}`, randomBytes(16).toString("hex")]),
          ),
          allowedOrigins: [`https://tenant-${t}.example`],
        },
      ]),
    ),
  };
}

const scripts = new Map(TENANT_COUNTS.map((n) => [n, embedTenantMap(bundle.content, tenantMapOf(n, 3))]));
console.log(`\nThe script as uploaded, its tenant map compiled in (tenants × 3 channels)`);
// One limit on every plan, on the uncompressed script (emulator/services/workers/limits.ts says since when).
console.log(`  tenants     raw         gzip        ≤ ${SCRIPT_BYTES / 1024 / 1024} MiB uncompressed`);
for (const [tenants, script] of scripts) {
  const bytes = Buffer.byteLength(script);
  console.log(
    `  ${String(tenants).padStart(7)}  ${kib(bytes).padStart(11)}  ${kib(gzipped(script)).padStart(10)}` +
      `   ${bytes <= SCRIPT_BYTES ? "fits" : "too big"}`,
  );
}

/**
 * The script's startup in local workerd as `wrangler check startup` profiles it (it imports the
 * main module in a fresh Miniflare under the V8 profiler): the CPU the profile saw busy, and its
 * whole span. Local CPU is not Cloudflare's, as wrangler itself says; the comparison is what counts.
 */
async function startup(script: string, scratch: string): Promise<{ busyMs: number; spanMs: number }> {
  const form = new FormData();
  form.set(
    "metadata",
    JSON.stringify({
      main_module: bundle.mainModule,
      compatibility_date: COMPATIBILITY_DATE,
      compatibility_flags: COMPATIBILITY_FLAGS,
    }),
  );
  form.set(
    bundle.mainModule,
    new Blob([script], { type: "application/javascript+module" }),
    bundle.mainModule,
  );
  const upload = join(scratch, "worker.bundle");
  const profile = join(scratch, "startup.cpuprofile");
  writeFileSync(upload, new Uint8Array(await new Response(form).arrayBuffer()));
  const wrangler = new URL("../node_modules/.bin/wrangler", import.meta.url).pathname;
  await promisify(execFile)(wrangler, ["check", "startup", "--worker", upload, "--outfile", profile], {
    cwd: scratch,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
  });
  const cpu = JSON.parse(readFileSync(profile, "utf8")) as {
    nodes: { id: number; callFrame: { functionName: string } }[];
    samples: number[];
    timeDeltas: number[];
    startTime: number;
    endTime: number;
  };
  const idle = new Set(cpu.nodes.filter((n) => n.callFrame.functionName === "(idle)").map((n) => n.id));
  const busyUs = cpu.samples.reduce((sum, id, i) => sum + (idle.has(id) ? 0 : (cpu.timeDeltas[i] ?? 0)), 0);
  return { busyMs: busyUs / 1000, spanMs: (cpu.endTime - cpu.startTime) / 1000 };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function profiled(script: WorkerBundle["content"]) {
  const scratch = mkdtempSync(join(tmpdir(), "startup-"));
  try {
    const runs = [];
    for (let i = 0; i < STARTUP_RUNS; i++) runs.push(await startup(script, scratch));
    return { busyMs: median(runs.map((r) => r.busyMs)), spanMs: median(runs.map((r) => r.spanMs)) };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

console.log(
  `\nStartup, profiled by wrangler check startup in local workerd (median of ${STARTUP_RUNS}; limit ${STARTUP_LIMIT_MS} ms)`,
);
for (const tenants of [2, 10_000]) {
  const { busyMs, spanMs } = await profiled(scripts.get(tenants)!);
  console.log(
    `  ${String(tenants).padStart(7)} tenants: ${busyMs.toFixed(1)} ms busy CPU in a ${spanMs.toFixed(1)} ms profile` +
      `  (${busyMs <= STARTUP_LIMIT_MS / 4 ? "well inside" : busyMs <= STARTUP_LIMIT_MS ? "inside" : "over"} the limit)`,
  );
}
