import {
  importPlaybackKey,
  type PlaybackClaims,
  type PlaybackSigner,
  signPlaybackToken,
} from "#contracts/playback-token.ts";

/**
 * The playback key imported once per isolate: importing an RSA key costs about as much as a
 * hundred signatures, and the binding only changes with a new deployment (a new isolate). Keyed
 * by the key id, so that a test isolate with two configurations never signs with the wrong key.
 */
const signers = new Map<string, Promise<PlaybackSigner>>();

export function playbackSigner(config: {
  PLAYBACK_KEY_ID: string;
  PLAYBACK_KEY_JWK: string;
}): Promise<PlaybackSigner> {
  let signer = signers.get(config.PLAYBACK_KEY_ID);
  if (!signer) {
    signer = importPlaybackKey(config.PLAYBACK_KEY_ID, config.PLAYBACK_KEY_JWK);
    // A key that fails to import is not kept, so that the next request reports it again.
    signer.catch(() => signers.delete(config.PLAYBACK_KEY_ID));
    signers.set(config.PLAYBACK_KEY_ID, signer);
  }
  return signer;
}

/**
 * Tokens this isolate signed, by everything they say. An RS256 signature is RSASSA-PKCS1-v1_5,
 * which has no random part (RFC 8017 §8.2.1 and §9.2: the same key and message give the same
 * signature), so signing the same claims again would give the very same token: a request whose
 * claims match one already signed gets that token without the signature, which costs workerd
 * about a millisecond (bench:worker-overhead). Claims name the live input and `exp` in whole
 * seconds, so this serves the viewers of one channel who ask within the same second; nothing
 * crosses channels or tenants, and each request has passed the minting limit before it asks.
 * A token is only ever asked for with an `exp` at least a minute ahead, so a lapsed one is never
 * handed out again; the map is emptied when full, which bounds it.
 */
const signed = new Map<string, Promise<string>>();
const MAX_SIGNED = 256;

/** The token for these claims, signed with the signer's key, or the same token signed before. */
export function playbackToken(signer: PlaybackSigner, claims: PlaybackClaims): Promise<string> {
  const key = `${signer.kid}\u0000${JSON.stringify(claims)}`;
  let token = signed.get(key);
  if (!token) {
    if (signed.size >= MAX_SIGNED) signed.clear();
    token = signPlaybackToken(signer, claims);
    token.catch(() => signed.delete(key));
    signed.set(key, token);
  }
  return token;
}
