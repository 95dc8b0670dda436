import { hmacSign, toBase64url } from "./hmac.ts";

/**
 * Tenant API keys are derived, never stored: HMAC-SHA256 of the tenant id and the key generation
 * under the stack's signing secret. The Pulumi program derives them for its outputs; the Worker
 * derives them again to verify. WebCrypto only, so that Node and workerd share this code.
 */
const encoder = new TextEncoder();

/** `rsk.<generation>.<mac>`: the generation is readable so that a verifier knows which one to recompute. */
export async function deriveTenantKey(
  signingSecret: string,
  tenantId: string,
  generation: number,
): Promise<string> {
  const mac = await hmacSign(signingSecret, `tenant-key\u0000${tenantId}\u0000${generation}`);
  return `rsk.${generation}.${toBase64url(mac)}`;
}

const TENANT_KEY_PATTERN = /^rsk\.(\d{1,9})\.([A-Za-z0-9_-]{43})$/;

/** Constant-time equality of two strings (length leaks, content does not). */
export function timingSafeEqual(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/**
 * The generation of `key` if it is the tenant's key of the current generation or of the one before
 * it (the grace window that makes tenant-key rotation seamless); undefined for anything else. The
 * key must be exactly the derived text, so there is one spelling of each key.
 */
export async function tenantKeyGeneration(
  signingSecret: string,
  tenantId: string,
  currentGeneration: number,
  key: string,
): Promise<number | undefined> {
  const match = TENANT_KEY_PATTERN.exec(key);
  const generation = match ? Number(match[1]) : Number.NaN;
  const accepted = generation === currentGeneration || generation === currentGeneration - 1;
  // Derive even for a rejected generation so that timing does not tell generations apart.
  const expected = await deriveTenantKey(signingSecret, tenantId, accepted ? generation : currentGeneration);
  return timingSafeEqual(expected, key) && accepted ? generation : undefined;
}
