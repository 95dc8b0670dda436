import type { AccessRule } from "./cloudflare/stream-keys.ts";
import { toBase64url } from "./hmac.ts";

/**
 * Stream's self-signed playback tokens, made as Cloudflare's docs make them in a Worker
 * (docs/reference/cloudflare-api.md §11.2): an RS256 JWT whose header and payload both carry the
 * signing key's id, signed with WebCrypto from the key's `jwk` (the API's base64 of a private
 * JWK), no API call per token. Shared by the Worker (which signs) and the scripts and tests (which
 * sign the odd token themselves), so that there is one signer.
 */

export interface PlaybackClaims {
  /** The live input uid the token stands in for. */
  sub: string;
  /** Unix seconds: the token stops working then; at most 24 hours after signing. */
  exp: number;
  /** Unix seconds: the token works from then on. */
  nbf?: number;
  accessRules?: AccessRule[];
}

const encoder = new TextEncoder();
const json = (value: unknown) => toBase64url(encoder.encode(JSON.stringify(value)));

/** A signing key ready to sign: its id and the imported private key. */
export interface PlaybackSigner {
  kid: string;
  key: CryptoKey;
}

/**
 * Imports the API's `jwk` (base64 of the JSON). Importing costs far more than signing, so callers
 * import once and keep the signer (the Worker keeps one per isolate).
 */
export async function importPlaybackKey(kid: string, jwkBase64: string): Promise<PlaybackSigner> {
  let jwk: JsonWebKey & { kid?: string };
  try {
    jwk = JSON.parse(atob(jwkBase64));
  } catch {
    // JSON.parse's own message quotes the text it could not read, which here is the private key.
    throw new Error("the playback signing key's jwk is not base64 of a JSON Web Key");
  }
  if (jwk.kid !== undefined && jwk.kid !== kid) {
    throw new Error(`the playback signing key's jwk names kid ${jwk.kid}, not its id ${kid}`);
  }
  const key = await crypto.subtle.importKey(
    "jwk",
    jwk,
    { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return { kid, key };
}

/** The signed token, to put in place of the input's uid in every delivery URL. */
export async function signPlaybackToken(signer: PlaybackSigner, claims: PlaybackClaims): Promise<string> {
  const unsigned = `${json({ alg: "RS256", kid: signer.kid })}.${json({ ...claims, kid: signer.kid })}`;
  const signature = await crypto.subtle.sign(
    { name: "RSASSA-PKCS1-v1_5" },
    signer.key,
    encoder.encode(unsigned),
  );
  return `${unsigned}.${toBase64url(new Uint8Array(signature))}`;
}
