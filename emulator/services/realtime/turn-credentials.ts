import { createHmac, randomBytes } from "node:crypto";

/**
 * TURN credentials in the TURN REST scheme that coturn's `--use-auth-secret` understands:
 * username `<expiry unix seconds>:<key id>.<random>`, credential base64(HMAC-SHA1(shared secret,
 * username)). The key id in the username lets revocation and the TURN gate tell which key issued it.
 */

export interface TurnCredential {
  username: string;
  credential: string;
  /** Unix seconds. */
  expiresAt: number;
}

const USERNAME = /^(\d{1,12}):([A-Za-z0-9_-]{1,64})\.([0-9a-f]{16})$/;

export function issueTurnCredential(
  sharedSecret: string,
  keyId: string,
  ttlSeconds: number,
  nowMs = Date.now(),
): TurnCredential {
  const expiresAt = Math.floor(nowMs / 1000) + ttlSeconds;
  const username = `${expiresAt}:${keyId}.${randomBytes(8).toString("hex")}`;
  return { username, credential: turnPassword(sharedSecret, username), expiresAt };
}

export function turnPassword(sharedSecret: string, username: string): string {
  return createHmac("sha1", sharedSecret).update(username).digest("base64");
}

/** The parts of a username this emulator issued; `undefined` for any other string. */
export function parseTurnUsername(username: string): { expiresAt: number; keyId: string } | undefined {
  const match = USERNAME.exec(username);
  return match ? { expiresAt: Number(match[1]), keyId: match[2]! } : undefined;
}

/** The revocations after one more, forgetting revoked usernames that have expired since: those fail anyway. */
export function revokeTurnUsername(
  revoked: readonly string[],
  username: string,
  nowMs = Date.now(),
): string[] {
  const nowSeconds = nowMs / 1000;
  const stillValid = revoked.filter(
    (u) => (parseTurnUsername(u)?.expiresAt ?? Number.POSITIVE_INFINITY) > nowSeconds,
  );
  return stillValid.includes(username) ? stillValid : [...stillValid, username];
}

/**
 * Why a TURN server fronted by this emulator must refuse `username` although coturn would accept
 * it, or `undefined`: revoked, or issued by a TURN key that has been deleted since. Expiry and the
 * signature are left to coturn, which checks them itself.
 */
export function turnUsernameRefusal(
  revoked: readonly string[],
  turnKeyExists: (keyId: string) => boolean,
  username: string,
): string | undefined {
  if (revoked.includes(username)) return "credential revoked";
  const parsed = parseTurnUsername(username);
  if (parsed && !turnKeyExists(parsed.keyId)) return "TURN key deleted";
  return undefined;
}
