import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import * as esbuild from "esbuild";

/**
 * The browser entry's size as an app would ship it: bundled by esbuild for the browser, minified,
 * gzipped (level 9), for what a page imports (watchChannels with the browser client), against the
 * 15 KiB target for joinRoom + watchChannels; and which parts the bytes come from.
 *
 *   npm run bench:client-bundle
 */
const TARGET_KIB = 15;
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const IMPORTS = ["joinRoom", "watchChannels"];

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

const result = await esbuild.build({
  stdin: {
    contents: `export { ${IMPORTS.join(", ")} } from "#client/browser.ts";`,
    resolveDir: ROOT,
    loader: "ts",
  },
  bundle: true,
  write: false,
  format: "esm",
  platform: "browser",
  target: "es2022",
  minify: true,
  legalComments: "none",
  metafile: true,
  logLevel: "silent",
});
const output = result.outputFiles[0]!.contents;
const gzipped = gzipSync(output, { level: 9 }).length;

const byOrigin = new Map<string, number>();
for (const [input, { bytesInOutput }] of Object.entries(Object.values(result.metafile.outputs)[0]!.inputs)) {
  const origin = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? input.split("/")[0]!;
  byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + bytesInOutput);
}

console.log(`Browser entry (client/browser.ts) importing ${IMPORTS.join(" + ")}, esbuild minified`);
console.log(`  raw      ${kib(output.length)}`);
console.log(`  gzipped  ${kib(gzipped)}   (target for joinRoom + watchChannels: ≤ ${TARGET_KIB} KiB)`);
console.log("Minified bytes by origin, before gzip:");
for (const [origin, bytes] of [...byOrigin].sort((a, b) => b[1] - a[1])) {
  console.log(`  ${origin.padEnd(12)} ${kib(bytes)}`);
}
