import { createHash } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CfHttpError } from "../../core/errors.ts";
import { StateFile } from "../../core/state-file.ts";
import { AssetUploads } from "./asset-uploads.ts";
import { type StoredAssetFile, WorkersStore } from "./store.ts";

const CONTENT = "console.log('asset');\n";
const HASH = createHash("sha256").update(CONTENT).digest("hex").slice(0, 32);
const MANIFEST = { "/app.js": { hash: HASH, size: Buffer.byteLength(CONTENT) } };
const FILES: ReadonlyMap<string, StoredAssetFile> = new Map([
  [HASH, { content_type: "text/javascript", base64Text: Buffer.from(CONTENT).toString("base64") }],
]);

const setUp = () => {
  const store = new WorkersStore(new StateFile());
  return { store, uploads: new AssetUploads(store) };
};

/** What wrangler's `isJwtExpired` reads: the payload's `exp`, in seconds. */
const expiryOf = (token: string) =>
  (JSON.parse(Buffer.from(token.split(".")[1]!, "base64").toString()) as { exp: number }).exp;

/** The status and code a refusal answers with. */
const refusal = (call: () => unknown) => {
  try {
    call();
  } catch (e) {
    if (e instanceof CfHttpError) return { status: e.status, code: e.errors[0]?.code };
    throw e;
  }
  throw new Error("expected a refusal");
};

afterEach(() => {
  vi.useRealTimers();
});

describe("static asset upload sessions", () => {
  it("hand out JWTs whose payload expires in an hour, as wrangler reads them", () => {
    const { uploads } = setUp();
    const now = Math.floor(Date.now() / 1000);
    const { jwt } = uploads.open("site", MANIFEST, "paid");
    expect(jwt.split(".")).toHaveLength(3);
    expect(expiryOf(jwt)).toBeGreaterThanOrEqual(now + 3600);
    expect(expiryOf(jwt)).toBeLessThanOrEqual(now + 3601);
    const completion = uploads.received(jwt, FILES)!;
    expect(expiryOf(completion)).toBeGreaterThanOrEqual(now + 3600);
  });

  it("refuse an upload to a session that has ended, as an unknown token (401, 1000), storing nothing", () => {
    const { uploads } = setUp();
    const { jwt } = uploads.open("site", MANIFEST, "paid");
    expect(uploads.received(jwt, FILES)).toEqual(expect.any(String));
    // Its last file is in: a second upload under the same token, as a racing request would send it.
    expect(refusal(() => uploads.received(jwt, FILES))).toEqual({ status: 401, code: 1000 });

    const other = setUp();
    const open = other.uploads.open("site", MANIFEST, "paid");
    other.store.reset();
    expect(refusal(() => other.uploads.received(open.jwt, FILES))).toEqual({ status: 401, code: 1000 });
    expect(refusal(() => other.uploads.sessionToken(`Bearer ${open.jwt}`))).toEqual({
      status: 401,
      code: 1000,
    });
    expect(other.store.hasAssetFile(HASH)).toBe(false);
  });

  it("refuse a session's token after its hour, and a completion token after its own", () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const { uploads } = setUp();
    const { jwt } = uploads.open("site", MANIFEST, "paid");
    vi.setSystemTime(Date.now() + 60 * 60 * 1000);
    expect(refusal(() => uploads.sessionToken(`Bearer ${jwt}`))).toEqual({ status: 401, code: 1000 });

    const again = uploads.open("site", MANIFEST, "paid");
    const completion = uploads.received(again.jwt, FILES)!;
    vi.setSystemTime(Date.now() + 60 * 60 * 1000);
    expect(refusal(() => uploads.redeem("site", completion, {}))).toEqual({ status: 400, code: 10021 });
  });
});
