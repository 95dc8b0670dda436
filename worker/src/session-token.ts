import * as z from "zod";

/**
 * Session tokens for the SFU proxy and the room socket: an HMAC-SHA256 over the claims, keyed by
 * SIGNING_SECRET. The MAC input starts with its own label, so a session token can never be
 * mistaken for, or forged from, a tenant key made with the same secret.
 */
const DOMAIN = "session-token\u0000v1\u0000";
const PREFIX = "rst1";
/** Long enough for a call's renegotiations, short enough that a leaked token soon dies. */
export const SESSION_TOKEN_TTL_SECONDS = 3600;

export const sessionClaims = z.object({
  tenant: z.string(),
  room: z.string(),
  user: z.string(),
  /** The display name, for the room socket's presence list. */
  name: z.string(),
  session: z.string(),
  /** Expiry, in Unix seconds. */
  exp: z.int(),
});
export type SessionClaims = z.infer<typeof sessionClaims>;

const encoder = new TextEncoder();

function toBase64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  try {
    const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
    return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
  } catch {
    return undefined;
  }
}

const keys = new Map<string, Promise<CryptoKey>>();
function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ]);
    keys.set(secret, key);
  }
  return key;
}

export async function signSessionToken(secret: string, claims: SessionClaims): Promise<string> {
  const payload = toBase64url(encoder.encode(JSON.stringify(claims)));
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(DOMAIN + payload));
  return `${PREFIX}.${payload}.${toBase64url(new Uint8Array(mac))}`;
}

/** The claims of a genuine, unexpired token; undefined for anything else. */
export async function verifySessionToken(
  secret: string,
  token: string,
  nowSeconds: number,
): Promise<SessionClaims | undefined> {
  const [prefix, payload, mac, ...rest] = token.split(".");
  if (prefix !== PREFIX || payload === undefined || mac === undefined || rest.length > 0) return undefined;
  const signature = fromBase64url(mac);
  if (!signature) return undefined;
  // crypto.subtle.verify compares in constant time.
  const genuine = await crypto.subtle.verify(
    "HMAC",
    await hmacKey(secret),
    signature,
    encoder.encode(DOMAIN + payload),
  );
  if (!genuine) return undefined;
  const bytes = fromBase64url(payload);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
  const claims = sessionClaims.safeParse(json);
  return claims.success && claims.data.exp > nowSeconds ? claims.data : undefined;
}
