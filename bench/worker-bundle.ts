import { gzipSync } from "node:zlib";
import { bundleWorker } from "./worker-harness.ts";

/**
 * The Worker's upload size: `wrangler deploy --dry-run --minify`, gzipped as Cloudflare counts
 * it, against the 32 KiB target; and which packages the bytes come from.
 */
const TARGET_KIB = 32;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

const bundle = await bundleWorker();
const raw = Buffer.byteLength(bundle.code);
const gzipped = gzipSync(bundle.code, { level: 9 }).length;

const byOrigin = new Map<string, number>();
for (const output of Object.values(bundle.metafile.outputs)) {
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1];
    const origin = pkg ?? (input.includes("contracts/") ? "contracts/" : "worker/src/");
    byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + bytesInOutput);
  }
}

console.log(`Worker bundle (wrangler deploy --dry-run --minify)`);
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
