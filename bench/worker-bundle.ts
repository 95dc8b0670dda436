import { gzipSync } from "node:zlib";
import { buildWorkerBundle } from "#infra/worker-bundle.ts";

/**
 * The Worker's upload size: the bundle the Pulumi program uploads (minified, as `wrangler deploy
 * --minify` would), gzipped as Cloudflare counts it, against the 32 KiB target; and which packages
 * the bytes come from.
 */
const TARGET_KIB = 32;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

const bundle = await buildWorkerBundle();
const raw = Buffer.byteLength(bundle.content);
const gzipped = gzipSync(bundle.content, { level: 9 }).length;

const byOrigin = new Map<string, number>();
for (const [input, bytes] of Object.entries(bundle.bytesByInput)) {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1];
  const origin = pkg ?? (input.includes("contracts/") ? "contracts/" : "worker/src/");
  byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + bytes);
}

console.log(`Worker bundle as uploaded by infra/ (esbuild, minified)`);
console.log(`  minified:       ${kib(raw)}`);
console.log(
  `  minified+gzip:  ${kib(gzipped)}   (target ≤ ${TARGET_KIB} KiB: ${gzipped <= TARGET_KIB * 1024 ? "met" : "missed"})`,
);
console.log(`  minified bytes by origin:`);
for (const [origin, bytes] of [...byOrigin].sort(([, a], [, b]) => b - a)) {
  console.log(
    `    ${origin.padEnd(32)}${kib(bytes).padStart(10)}  ${((100 * bytes) / raw).toFixed(0).padStart(3)}%`,
  );
}
