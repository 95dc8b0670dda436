import { generateKeyPair, type KeyObject } from "node:crypto";
import { promisify } from "node:util";
import { Hono } from "hono";
import { STREAM_SIGNING_KEYS_MAX } from "#contracts/cloudflare/stream-keys.ts";
import { Collection } from "../../core/collection.ts";
import type { Env } from "../../core/env.ts";
import { CfHttpError, cfErrors } from "../../core/errors.ts";
import { newTag, now } from "../../core/ids.ts";
import { cfOk } from "../../core/respond.ts";
import type { Section, StateFile } from "../../core/state-file.ts";
import type { RequirePermission } from "../tokens/check.ts";

/**
 * A signing key as the emulator keeps it: the public half only, which is all that verifying a
 * token needs. The private half leaves in the create answer and is never stored, as on Cloudflare,
 * where the material "won't be shown again" (docs/reference/cloudflare-api.md §11.1).
 */
export interface StoredSigningKey {
  id: string;
  created: string;
  /** SPKI PEM of the public key. */
  publicKey: string;
}

interface SigningKeySection {
  streamSigningKeys: Record<string, StoredSigningKey>;
}

const generateRsa = promisify(generateKeyPair);

const base64Json = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64");

/** The account's Stream signing keys (`/stream/keys`), against which signed playback URLs are verified. */
export class SigningKeyStore {
  private keys: Collection<StoredSigningKey>;
  private readonly section: Section<SigningKeySection>;

  constructor(state: StateFile) {
    this.section = state.section<SigningKeySection>(["streamSigningKeys"], () => ({
      streamSigningKeys: this.keys.toJSON(),
    }));
    this.keys = new Collection("Signing key", this.section.loaded?.streamSigningKeys);
  }

  list(): Readonly<StoredSigningKey>[] {
    return this.keys.values();
  }

  get(id: string): Readonly<StoredSigningKey> | undefined {
    return this.keys.get(id);
  }

  /**
   * A new 2048-bit RSA key, answered as Cloudflare does: `pem` is base64 of the PKCS#1 PEM (`BEGIN
   * RSA PRIVATE KEY`), `jwk` base64 of the private JWK with `use: sig`, `alg: RS256` and `kid` = id.
   */
  async create(): Promise<{ id: string; pem: string; jwk: string; created: string }> {
    if (this.keys.values().length >= STREAM_SIGNING_KEYS_MAX) {
      // "You can create up to 1,000 keys" (§11.1); the refusal itself is undocumented, so this
      // answer is the emulator's usual guess for a full quota.
      throw cfErrors.quotaExceeded(`An account can have at most ${STREAM_SIGNING_KEYS_MAX} signing keys`);
    }
    const { privateKey, publicKey } = (await generateRsa("rsa", { modulusLength: 2048 })) as {
      privateKey: KeyObject;
      publicKey: KeyObject;
    };
    const id = newTag();
    const created = now();
    const { n, e, d, p, q, dp, dq, qi } = privateKey.export({ format: "jwk" });
    this.keys.set(id, {
      id,
      created,
      publicKey: publicKey.export({ type: "spki", format: "pem" }) as string,
    });
    this.section.changed();
    return {
      id,
      pem: Buffer.from(privateKey.export({ type: "pkcs1", format: "pem" }) as string).toString("base64"),
      jwk: base64Json({ use: "sig", kty: "RSA", kid: id, alg: "RS256", n, e, d, p, q, dp, dq, qi }),
      created,
    };
  }

  /**
   * Revokes a key: every token it signed stops playing at once. A key that is not there is
   * Cloudflare's 10003 (Alchemy's `SigningKeyNotFound`, §11.1); the 404 status is a guess.
   */
  delete(id: string): void {
    if (!this.keys.get(id)) throw new CfHttpError(404, [{ code: 10003, message: "Signing key not found" }]);
    this.keys.remove(id);
    this.section.changed();
  }

  reset(): void {
    this.keys = new Collection("Signing key");
    this.section.changed();
  }
}

/** `/accounts/:account_id/stream/keys` ([SDK] `client.stream.keys.create/get/delete`). */
export function signingKeyRoutes(store: SigningKeyStore, requirePermission: RequirePermission) {
  const routes = new Hono<Env>();

  routes.post("/", requirePermission("Stream Write"), async (c) => cfOk(c, await store.create()));

  // Cloudflare answers `result: null`, not `[]`, when the account has no key (§11.1).
  routes.get("/", requirePermission("Stream Read"), (c) => {
    const keys = store.list().map(({ id, created }) => ({ id, created }));
    return cfOk(c, keys.length > 0 ? keys : null);
  });

  routes.delete("/:identifier", requirePermission("Stream Write"), (c) => {
    store.delete(c.req.param("identifier"));
    return cfOk(c, "Revoked");
  });

  return routes;
}
