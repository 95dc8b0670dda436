import { importPlaybackKey, type PlaybackSigner } from "#contracts/playback-token.ts";

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
