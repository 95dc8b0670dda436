import type { WorkerAssetManifest, WorkerAssetsConfig } from "#contracts/cloudflare/workers.ts";
import type { Plan } from "../../core/config.ts";
import { cfErrors } from "../../core/errors.ts";
import { newTokenValue } from "../../core/ids.ts";
import { workersErrors } from "./errors.ts";
import { assetManifestRefusal } from "./limits.ts";
import type { StoredAssets, WorkersStore } from "./store.ts";

/**
 * Workers static assets, uploaded as Cloudflare's Direct Uploads describe it
 * (developers.cloudflare.com/workers/static-assets/direct-upload/): a manifest opens an upload
 * session whose token authenticates the file uploads, the last upload answers 201 with a completion
 * token, and a script upload redeems that token in `metadata.assets.jwt`. Cloudflare's tokens are
 * JWTs whose claims no client reads; these are opaque random values, kept in memory.
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

interface Session {
  scriptName: string;
  manifest: WorkerAssetManifest;
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

  constructor(private readonly store: WorkersStore) {}

  /** Opens a session for `manifest`: only the hashes the account does not hold yet are asked for. */
  open(scriptName: string, manifest: WorkerAssetManifest, plan: Plan): { jwt: string; buckets: string[][] } {
    const files = Object.entries(manifest).map(([path, { size }]) => ({ path, size }));
    const refusal = assetManifestRefusal(files, plan);
    if (refusal) throw workersErrors.refused(refusal);
    const missing = new Set(Object.values(manifest).map((f) => f.hash));
    for (const hash of missing) if (this.store.hasAssetFile(hash)) missing.delete(hash);
    if (missing.size === 0) return { jwt: this.complete(scriptName, manifest), buckets: [] };
    const jwt = newTokenValue();
    this.sessions.set(jwt, { scriptName, manifest, missing, expiresAt: Date.now() + TOKEN_TTL_MS });
    const sizes = new Map(Object.values(manifest).map((f) => [f.hash, f.size]));
    return { jwt, buckets: bucketsOf([...missing].map((hash) => ({ hash, size: sizes.get(hash)! }))) };
  }

  /** The session a file upload's bearer token names, or Cloudflare's 401 for a token it does not know. */
  session(header: string | undefined): Session & { jwt: string } {
    const jwt = /^Bearer (\S+)$/.exec(header ?? "")?.[1];
    const session = jwt ? this.sessions.get(jwt) : undefined;
    if (!jwt || !session || session.expiresAt <= Date.now()) throw cfErrors.invalidToken();
    return { ...session, jwt };
  }

  /** Records uploaded files; the completion token once the session's last file is in. */
  received(jwt: string, hashes: string[]): string | undefined {
    const session = this.sessions.get(jwt)!;
    for (const hash of hashes) session.missing.delete(hash);
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
    const jwt = newTokenValue();
    this.completions.set(jwt, { scriptName, manifest, expiresAt: Date.now() + TOKEN_TTL_MS });
    return jwt;
  }
}
