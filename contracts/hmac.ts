/**
 * HMAC-SHA256 and base64url over WebCrypto, shared by Node (infra, scripts) and workerd (the
 * Worker) for everything derived from or signed with the stack's signing secret.
 */
const encoder = new TextEncoder();

export function toBase64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/**
 * The bytes of unpadded base64url text, or undefined unless the text is their one canonical
 * spelling: `atob` ignores the unused low bits of the last character, so without the round trip
 * every token would have up to four accepted spellings.
 */
export function fromBase64url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
    bytes = Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
  } catch {
    return undefined;
  }
  return toBase64url(bytes) === text ? bytes : undefined;
}

/** Importing a key costs more than the MAC itself, and a stack has one signing secret: keep it. */
const keys = new Map<string, Promise<CryptoKey>>();
const MAX_KEYS = 8;

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    if (keys.size >= MAX_KEYS) keys.clear();
    key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ]);
    keys.set(secret, key);
  }
  return key;
}

export async function hmacSign(secret: string, message: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(message)));
}

/** crypto.subtle.verify compares in constant time. */
export async function hmacVerify(
  secret: string,
  mac: Uint8Array<ArrayBuffer>,
  message: string,
): Promise<boolean> {
  return crypto.subtle.verify("HMAC", await hmacKey(secret), mac, encoder.encode(message));
}
