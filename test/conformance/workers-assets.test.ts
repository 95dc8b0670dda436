import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { workerScript, workerScriptUpload } from "#contracts/cloudflare/workers.ts";
import { conformanceSuite, expectApiError } from "./harness.ts";
import { moduleFile, uploadScript } from "./workers-upload.ts";

const ctx = conformanceSuite();

const SOURCE = "export default { async fetch() { return new Response('worker'); } };\n";

/** The files of a small site, each with the 32-hex-character hash a manifest lists it by. */
const FILES = {
  "/dashboard/app.js": { type: "text/javascript; charset=utf-8", content: "console.log('dashboard');\n" },
  "/dashboard/app.css": { type: "text/css; charset=utf-8", content: "body { margin: 0 }\n" },
};
const hashOf = (content: string) => createHash("sha256").update(content).digest("hex").slice(0, 32);
const MANIFEST = Object.fromEntries(
  Object.entries(FILES).map(([path, f]) => [
    path,
    { hash: hashOf(f.content), size: Buffer.byteLength(f.content) },
  ]),
);

/** Opens an upload session for `manifest` through the official SDK. */
const openSession = (script: string, manifest = MANIFEST) =>
  ctx.sdk().workers.scripts.assets.upload.create(script, { account_id: ctx.emu.accountId, manifest });

/** One multipart part of a file upload: named by the file's hash, its content base64-encoded. */
interface FilePart {
  hash: string;
  fileName: string;
  type: string;
  base64: string;
}

const partOf = (path: keyof typeof FILES): FilePart => ({
  hash: hashOf(FILES[path].content),
  fileName: path,
  type: FILES[path].type,
  base64: Buffer.from(FILES[path].content).toString("base64"),
});

/**
 * Uploads parts through the SDK under the session's token. The parts are files with their type, as
 * Terraform's provider sends them; the SDK types the body as plain strings.
 */
const uploadParts = (jwt: string, parts: FilePart[]) =>
  ctx.sdk().workers.assets.upload.create(
    {
      account_id: ctx.emu.accountId,
      base64: true,
      body: Object.fromEntries(
        parts.map((p) => [p.hash, new File([p.base64], p.fileName, { type: p.type }) as unknown as string]),
      ),
    },
    { headers: { Authorization: `Bearer ${jwt}` } },
  );

const uploadFiles = (jwt: string, paths: (keyof typeof FILES)[]) => uploadParts(jwt, paths.map(partOf));

const deployWithAssets = async (script: string, jwt: string) =>
  workerScriptUpload.parse(
    await uploadScript(
      ctx,
      script,
      { main_module: "worker.js", compatibility_date: "2026-08-01", assets: { jwt } },
      [moduleFile("worker.js", SOURCE)],
    ),
  );

describe("Workers static assets through the official SDK (Direct Uploads)", () => {
  it("opens a session, takes the files in buckets, and the script upload redeems the completion token", async () => {
    const session = await openSession("site");
    expect(session.buckets?.flat().sort()).toEqual(
      Object.values(MANIFEST)
        .map((f) => f.hash)
        .sort(),
    );
    const [first, ...rest] = Object.keys(FILES) as (keyof typeof FILES)[];
    // Not every file yet: no completion token.
    expect((await uploadFiles(session.jwt!, [first!])).jwt).toBeUndefined();
    const done = await uploadFiles(session.jwt!, rest);
    expect(done.jwt).toEqual(expect.any(String));

    expect(await deployWithAssets("site", done.jwt!)).toMatchObject({ id: "site", has_assets: true });
    const deployed = ctx.emu.stores.workers.readScript("site")!;
    expect(
      Object.fromEntries(
        [...deployed.assets].map(([path, a]) => [
          path,
          { type: a.contentType, content: Buffer.from(a.bytes).toString() },
        ]),
      ),
    ).toEqual(FILES);
    const listed = [];
    for await (const s of ctx.sdk().workers.scripts.list({ account_id: ctx.emu.accountId }))
      listed.push(workerScript.parse(s));
    expect(listed.map((s) => s.has_assets)).toEqual([true]);
  });

  it("asks for no file the account already holds: the session's token is then the completion token", async () => {
    const first = await openSession("site");
    const done = await uploadFiles(first.jwt!, Object.keys(FILES) as (keyof typeof FILES)[]);
    await deployWithAssets("site", done.jwt!);
    const again = await openSession("site");
    expect(again.buckets).toEqual([]);
    expect(await deployWithAssets("site", again.jwt!)).toMatchObject({ has_assets: true });
  });

  it("refuses a spent completion token, another script's, a file the manifest does not list, and an unknown session", async () => {
    const session = await openSession("site");
    const done = await uploadFiles(session.jwt!, Object.keys(FILES) as (keyof typeof FILES)[]);
    await expectApiError(deployWithAssets("other", done.jwt!), 400, 10021);
    await deployWithAssets("site", done.jwt!);
    await expectApiError(deployWithAssets("site", done.jwt!), 400, 10021);

    const small = await openSession("site", { "/only.txt": { hash: hashOf("only"), size: 4 } });
    await expectApiError(uploadFiles(small.jwt!, ["/dashboard/app.js"]), 400, 10021);
    await expectApiError(uploadFiles("not-a-session-token-at-all", ["/dashboard/app.js"]), 401, 1000);
  });

  it("refuses a bucket with one bad part whole: the good part beside it is not stored either", async () => {
    const session = await openSession("site");
    const good = partOf("/dashboard/app.js");
    // Not the size the manifest lists for the stylesheet.
    const bad = { ...partOf("/dashboard/app.css"), base64: Buffer.from("body{}").toString("base64") };
    await expectApiError(uploadParts(session.jwt!, [good, bad]), 400, 10021);
    expect(ctx.emu.stores.workers.hasAssetFile(good.hash)).toBe(false);
    expect(ctx.emu.stores.workers.hasAssetFile(bad.hash)).toBe(false);
    // The session still waits for both files, and takes them once they are right.
    expect((await uploadFiles(session.jwt!, ["/dashboard/app.js", "/dashboard/app.css"])).jwt).toEqual(
      expect.any(String),
    );
  });

  it("asks for files in buckets of at most 50 files and 40 MiB of base64, each within the upload's body limit", async () => {
    const MiB = 1024 * 1024;
    // Large files that Cloudflare takes one by one (25 MiB is the largest it allows), then many small ones.
    const sizes = [25 * MiB, 20 * MiB, 20 * MiB, 10 * MiB, ...Array.from({ length: 120 }, (_, i) => 100 + i)];
    const manifest = Object.fromEntries(
      sizes.map((size, i) => [`/file-${i}`, { hash: hashOf(`file-${i}`), size }]),
    );
    const sizeOf = new Map(Object.values(manifest).map((f) => [f.hash, f.size]));
    const { buckets } = await openSession("site", manifest);
    expect(buckets!.flat().sort()).toEqual([...sizeOf.keys()].sort());
    for (const bucket of buckets!) {
      expect(bucket.length).toBeLessThanOrEqual(50);
      const base64 = bucket.reduce((sum, hash) => sum + 4 * Math.ceil(sizeOf.get(hash)! / 3), 0);
      expect(base64).toBeLessThanOrEqual(40 * MiB);
    }
  });

  it("takes a full bucket in one upload request: its body fits the upload's limit", async () => {
    // Two files of 15 MiB, 20 MiB of base64 each, fill a bucket to its 40 MiB exactly.
    const files = [0, 1].map((i) => {
      const bytes = randomBytes(15 * 1024 * 1024);
      const hash = createHash("sha256").update(bytes).digest("hex").slice(0, 32);
      return {
        hash,
        fileName: `/large-${i}.bin`,
        type: "application/octet-stream",
        size: bytes.length,
        base64: bytes.toString("base64"),
      };
    });
    const session = await openSession(
      "site",
      Object.fromEntries(files.map((f) => [f.fileName, { hash: f.hash, size: f.size }])),
    );
    expect(session.buckets).toEqual([files.map((f) => f.hash)]);
    expect((await uploadParts(session.jwt!, files)).jwt).toEqual(expect.any(String));
    for (const f of files) expect(ctx.emu.stores.workers.hasAssetFile(f.hash)).toBe(true);
  });

  it("refuses a manifest with a file over 25 MiB, before any upload", async () => {
    await expectApiError(
      openSession("site", { "/big.bin": { hash: hashOf("big"), size: 25 * 1024 * 1024 + 1 } }),
      400,
      10021,
    );
  });
});
