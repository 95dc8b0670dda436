import { randomBytes } from "node:crypto";
import type { WorkerAssetManifest, WorkerAssetsConfig } from "#contracts/cloudflare/workers.ts";
import type { Plan } from "../../core/config.ts";
import { cfErrors } from "../../core/errors.ts";
import { workersErrors } from "./errors.ts";
import { assetManifestRefusal } from "./limits.ts";
import type { StoredAssetFile, StoredAssets, WorkersStore } from "./store.ts";

/**
 * Workers static assets, uploaded as Cloudflare's Direct Uploads describe it
 * (developers.cloudflare.com/workers/static-assets/direct-upload/): a manifest opens an upload
 * session whose token authenticates the file uploads, the last upload answers 201 with a completion
 * token, and a script upload redeems that token in `metadata.assets.jwt`. Sessions and tokens are
 * kept in memory, and go with a reset of the emulator.
 */

/** "The JWT is valid for one hour"; so is the completion token (the same page). */
const TOKEN_TTL_MS = 60 * 60 * 1000;

/**
 * How the session groups the hashes it asks for into buckets, one upload request each. Cloudflare
 * does not document it. These hold at most 50 files and 40 MiB of base64 text, the bound wrangler
 * puts on one upload request of its own (wrangler 4.86.0 src/pages/constants.ts, `MAX_BUCKET_SIZE =
 * 40 * 1024 * 1024`, in wrangler-dist/cli.js): a file of up to 25 MiB fits alone, and no bucket
 * outgrows the upload route's body limit (index.ts).
 */
const BUCKET_FILES = 50;
export const BUCKET_BASE64_BYTES = 40 * 1024 * 1024;

/** The length of a file's content once base64-encoded, as it travels in an upload. */
const base64Length = (size: number) => 4 * Math.ceil(size / 3);

/** The hashes in order, cut into buckets of at most BUCKET_FILES files and BUCKET_BASE64_BYTES. */
function bucketsOf(files: { hash: string; size: number }[]): string[][] {
  const buckets: string[][] = [];
  let bucket: string[] = [];
  let bytes = 0;
  for (const { hash, size } of files) {
    const length = base64Length(size);
    if (bucket.length === BUCKET_FILES || (bucket.length > 0 && bytes + length > BUCKET_BASE64_BYTES)) {
      buckets.push(bucket);
      bucket = [];
      bytes = 0;
    }
    bucket.push(hash);
    bytes += length;
  }
  if (bucket.length > 0) buckets.push(bucket);
  return buckets;
}

/**
 * A token shaped as Cloudflare's are, a JWT whose payload carries its expiry: wrangler decodes
 * `token.split(".")[1]` and compares its `exp` with the clock to tell an upload session that timed
 * out from a failed upload (`isJwtExpired` in wrangler 4.86.0's wrangler-dist/cli.js, called by
 * `syncAssets`). The signature is random: the emulator knows a token by its whole value and never
 * verifies one.
 */
function newUploadToken(expiresAt: number): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return [
    encode({ alg: "HS256", typ: "JWT" }),
    encode({ exp: Math.floor(expiresAt / 1000) }),
    randomBytes(32).toString("base64url"),
  ].join(".");
}

interface Session {
  scriptName: string;
  manifest: WorkerAssetManifest;
  /** Each listed file's size, by hash, for the uploads to be checked against. */
  sizes: Map<string, number>;
  missing: Set<string>;
  expiresAt: number;
}

interface Completion {
  scriptName: string;
  manifest: WorkerAssetManifest;
  expiresAt: number;
}

/** Open upload sessions and unredeemed completion tokens, by token. */
export class AssetUploads {
  private readonly sessions = new Map<string, Session>();
  private readonly completions = new Map<string, Completion>();

  constructor(private readonly store: WorkersStore) {
    store.onReset(() => {
      this.sessions.clear();
      this.completions.clear();
    });
  }

  /** Opens a session for `manifest`: only the hashes the account does not hold yet are asked for. */
  open(scriptName: string, manifest: WorkerAssetManifest, plan: Plan): { jwt: string; buckets: string[][] } {
    this.dropExpired();
    const files = Object.entries(manifest).map(([path, { size }]) => ({ path, size }));
    const refusal = assetManifestRefusal(files, plan);
    if (refusal) throw workersErrors.refused(refusal);
    const sizes = new Map(Object.values(manifest).map((f) => [f.hash, f.size]));
    const missing = new Set([...sizes.keys()].filter((hash) => !this.store.hasAssetFile(hash)));
    if (missing.size === 0) return { jwt: this.complete(scriptName, manifest), buckets: [] };
    const expiresAt = Date.now() + TOKEN_TTL_MS;
    const jwt = newUploadToken(expiresAt);
    this.sessions.set(jwt, { scriptName, manifest, sizes, missing, expiresAt });
    return { jwt, buckets: bucketsOf([...missing].map((hash) => ({ hash, size: sizes.get(hash)! }))) };
  }

  /**
   * The token of the live session a file upload's bearer token names. One Cloudflare does not know
   * or that expired gets 401 with code 1000, as an unknown API token does: its status and code for
   * an upload token are not documented, a guess.
   */
  sessionToken(header: string | undefined): string {
    const jwt = /^Bearer (\S+)$/.exec(header ?? "")?.[1];
    if (!jwt) throw cfErrors.invalidToken();
    this.live(jwt);
    return jwt;
  }

  /**
   * Checks every uploaded file against the session's manifest, then stores them all, so that a
   * refused upload stores nothing; the completion token once the session's last file is in. The
   * session may have ended while the body was read (its last file uploaded by another request, an
   * expiry, a reset): that answers as an unknown token does. A file the manifest does not list, or
   * not of its listed size, gets 400 with 10021, the Workers API's validation code: a guess too.
   */
  received(jwt: string, files: ReadonlyMap<string, StoredAssetFile>): string | undefined {
    const session = this.live(jwt);
    for (const [hash, file] of files) {
      const size = session.sizes.get(hash);
      if (size === undefined)
        throw workersErrors.invalid(`file ${hash} is not in this upload session's manifest`);
      if (Buffer.byteLength(file.base64Text, "base64") !== size) {
        throw workersErrors.invalid(`file ${hash} is not the ${size} bytes its manifest entry says`);
      }
    }
    this.store.putAssetFiles(files);
    for (const hash of files.keys()) session.missing.delete(hash);
    if (session.missing.size > 0) return undefined;
    this.sessions.delete(jwt);
    return this.complete(session.scriptName, session.manifest);
  }

  /**
   * The assets a script upload's completion token stands for; the token is spent. A token for
   * another script, expired or unknown is refused: its code and message are a guess (10021).
   */
  redeem(scriptName: string, jwt: string, config: WorkerAssetsConfig): StoredAssets {
    const completion = this.completions.get(jwt);
    if (!completion || completion.expiresAt <= Date.now() || completion.scriptName !== scriptName) {
      throw workersErrors.invalid(
        "metadata.assets.jwt is not a valid completion token for this script's assets upload session",
      );
    }
    this.completions.delete(jwt);
    return { manifest: completion.manifest, config };
  }

  private complete(scriptName: string, manifest: WorkerAssetManifest): string {
    const expiresAt = Date.now() + TOKEN_TTL_MS;
    const jwt = newUploadToken(expiresAt);
    this.completions.set(jwt, { scriptName, manifest, expiresAt });
    return jwt;
  }

  /** The session `jwt` names while it lasts, or the 401 of an unknown token (sessionToken). */
  private live(jwt: string): Session {
    const session = this.sessions.get(jwt);
    if (!session || session.expiresAt <= Date.now()) throw cfErrors.invalidToken();
    return session;
  }

  /** Forgets sessions and completion tokens past their hour, which no request can use any more. */
  private dropExpired(): void {
    const now = Date.now();
    for (const tokens of [this.sessions, this.completions]) {
      for (const [jwt, { expiresAt }] of tokens) if (expiresAt <= now) tokens.delete(jwt);
    }
  }
}
