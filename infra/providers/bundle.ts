import { fileURLToPath } from "node:url";
import { brotliCompressSync } from "node:zlib";
import { buildSync } from "esbuild";

const ENTRY = fileURLToPath(new URL("./host/index.ts", import.meta.url));

let packed: string | undefined;

/**
 * The provider implementation (host/index.ts) as one self-contained CommonJS module, brotli-packed
 * and base64-encoded: the only thing the serialized providers capture. Bundling at program time
 * sidesteps what Pulumi's closure serializer cannot carry (ES modules, zod schemas, SDK clients
 * reached through module scope: pulumi/pulumi#13960, #18977, #5294): the state holds the code
 * itself, so a later delete from another checkout runs exactly what created the resource.
 */
export function packedProviders(): string {
  if (packed === undefined) {
    const result = buildSync({
      entryPoints: [ENTRY],
      bundle: true,
      format: "cjs",
      platform: "node",
      target: "node20",
      minify: true,
      legalComments: "none",
      write: false,
      logLevel: "silent",
    });
    const code = result.outputFiles[0]!.text;
    if (/\brequire\(/.test(code))
      throw new Error("the provider bundle must not require anything at run time");
    packed = brotliCompressSync(code).toString("base64");
  }
  return packed;
}
