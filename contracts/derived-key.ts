import { hmacSign, toBase64url } from "./hmac.ts";

/**
 * Keys derived, never stored: HMAC-SHA256 of a label, a subject (a tenant id, the stack's name) and
 * the key generation under the stack's signing secret. The Pulumi program derives them for its
 * outputs; the Worker derives them again to verify. WebCrypto only, so that Node and workerd share
 * this code. Each kind has its own label and prefix, so that no key of one kind is one of another.
 */
export interface DerivedKeyKind {
  /** Mixed into the MAC. */
  label: string;
  /** `<prefix>.<generation>.<mac>`: the generation is readable so that a verifier knows which one to recompute. */
  prefix: string;
}

export async function deriveKey(
  kind: DerivedKeyKind,
  signingSecret: string,
  subject: string,
  generation: number,
): Promise<string> {
  const mac = await hmacSign(signingSecret, `${kind.label}\u0000${subject}\u0000${generation}`);
  return `${kind.prefix}.${generation}.${toBase64url(mac)}`;
}

const encoder = new TextEncoder();

/** Constant-time equality of two strings (length leaks, content does not). */
export function timingSafeEqual(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/**
 * The generation of `key` if it is the subject's key of the current generation or of the one before
 * it (the grace window that makes rotation seamless); undefined for anything else. The key must be
 * exactly the derived text, so there is one spelling of each key.
 */
export async function keyGeneration(
  kind: DerivedKeyKind,
  signingSecret: string,
  subject: string,
  currentGeneration: number,
  key: string,
): Promise<number | undefined> {
  const match = new RegExp(`^${kind.prefix}\\.(\\d{1,9})\\.[A-Za-z0-9_-]{43}$`).exec(key);
  const generation = match ? Number(match[1]) : Number.NaN;
  const accepted = generation === currentGeneration || generation === currentGeneration - 1;
  // Derive even for a rejected generation so that timing does not tell generations apart.
  const expected = await deriveKey(kind, signingSecret, subject, accepted ? generation : currentGeneration);
  return timingSafeEqual(expected, key) && accepted ? generation : undefined;
}
