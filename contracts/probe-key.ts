import { hmacSign, toBase64url } from "./hmac.ts";
import { timingSafeEqual } from "./tenant-key.ts";

/**
 * The stack's probe key: what the post-deploy probes show the Worker to read the probe input's
 * status, and nothing else. Derived like tenant keys (HMAC-SHA256 under the signing secret, never
 * stored) but under its own label and prefix, so that no tenant key is ever a probe key or the
 * reverse; it follows the tenant keys' generation, and the previous generation stays valid.
 */
export async function deriveProbeKey(
  signingSecret: string,
  stack: string,
  generation: number,
): Promise<string> {
  const mac = await hmacSign(signingSecret, `probe-key\u0000${stack}\u0000${generation}`);
  return `rpk.${generation}.${toBase64url(mac)}`;
}

const PROBE_KEY_PATTERN = /^rpk\.(\d{1,9})\.([A-Za-z0-9_-]{43})$/;

/** Whether `key` is the stack's probe key of the current generation or of the one before it. */
export async function verifyProbeKey(
  signingSecret: string,
  stack: string,
  currentGeneration: number,
  key: string,
): Promise<boolean> {
  const match = PROBE_KEY_PATTERN.exec(key);
  const generation = match ? Number(match[1]) : Number.NaN;
  const accepted = generation === currentGeneration || generation === currentGeneration - 1;
  // Derive even for a rejected generation so that timing does not tell generations apart.
  const expected = await deriveProbeKey(signingSecret, stack, accepted ? generation : currentGeneration);
  return timingSafeEqual(expected, key) && accepted;
}
