import { randomBytes, randomUUID } from "node:crypto";
import { crc32 } from "node:zlib";

/** 32 lowercase hex characters, like Cloudflare's resource tags. */
export const newTag = () => randomBytes(16).toString("hex");
/** 64 hex characters, like SFU app secrets and TURN key secrets. */
export const newHexSecret = () => randomBytes(32).toString("hex");
/** 40 URL-safe characters, like API token values. */
export const newTokenValue = () => randomBytes(30).toString("base64url");

/**
 * An account-owned token's value in Cloudflare's scannable format, which "every new token you create
 * or roll uses": `cfat_`, 40 characters, then a checksum (developers.cloudflare.com/fundamentals/api/
 * get-started/token-formats; docs/reference/rotation-credentials.md §1.3). Cloudflare does not publish
 * the checksum: third-party detectors match 8 lowercase hex characters, and the CRC-32 of the 40 used
 * here is a guess with that shape.
 */
export const newAccountTokenValue = () => scannableTokenValue("cfat_");

/** A user-owned token's value: the same format with the user's prefix, `cfut_` (same source). */
export const newUserTokenValue = () => scannableTokenValue("cfut_");

function scannableTokenValue(prefix: "cfat_" | "cfut_"): string {
  const body = randomBytes(30).toString("base64url");
  return `${prefix}${body}${crc32(Buffer.from(body)).toString(16).padStart(8, "0")}`;
}
export const newUuid = () => randomUUID();
export const now = () => new Date().toISOString();
