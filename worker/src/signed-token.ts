import type * as z from "zod/mini";
import { fromBase64url, hmacSign, hmacVerify, toBase64url } from "#contracts/hmac.ts";

/**
 * Tokens the Worker signs and later verifies itself: `<prefix>.<base64url claims>.<base64url mac>`,
 * an HMAC-SHA256 keyed by SIGNING_SECRET. The MAC input starts with the kind's own label, so that a
 * token of one kind can never be mistaken for, or forged from, another kind or a tenant key made
 * with the same secret.
 */
export interface TokenKind<S extends z.ZodMiniType<{ exp: number }>> {
  /** Readable, so that a verifier can tell kinds apart before checking anything. */
  prefix: string;
  /** The MAC's domain-separation label. */
  domain: string;
  claims: S;
}

const encoder = new TextEncoder();

export async function signToken<S extends z.ZodMiniType<{ exp: number }>>(
  kind: TokenKind<S>,
  secret: string,
  claims: z.output<S>,
): Promise<string> {
  const payload = toBase64url(encoder.encode(JSON.stringify(claims)));
  const mac = await hmacSign(secret, kind.domain + payload);
  return `${kind.prefix}.${payload}.${toBase64url(mac)}`;
}

/** The claims of a genuine, unexpired token of this kind; undefined for anything else. */
export async function verifyToken<S extends z.ZodMiniType<{ exp: number }>>(
  kind: TokenKind<S>,
  secret: string,
  token: string,
  nowSeconds: number,
): Promise<z.output<S> | undefined> {
  const [prefix, payload, mac, ...rest] = token.split(".");
  if (prefix !== kind.prefix || payload === undefined || mac === undefined || rest.length > 0)
    return undefined;
  const signature = fromBase64url(mac);
  if (!signature) return undefined;
  const genuine = await hmacVerify(secret, signature, kind.domain + payload);
  if (!genuine) return undefined;
  const bytes = fromBase64url(payload);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
  const claims = kind.claims.safeParse(json);
  return claims.success && claims.data.exp > nowSeconds ? claims.data : undefined;
}
