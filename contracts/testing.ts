/** Test helpers for what contracts/ defines; imported by tests only. */

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/**
 * The other spellings of unpadded base64url text that a lenient decoder (`atob`) reads as the same
 * bytes: the last character with different unused low bits (up to 3 others, none when all bits count).
 */
export function base64urlRespellings(text: string): string[] {
  const last = BASE64URL.indexOf(text.at(-1) ?? "");
  if (last < 0) return [];
  const unused = 2 ** ((text.length * 6) % 8);
  return Array.from({ length: unused }, (_, low) => (last - (last % unused)) | low)
    .filter((value) => value !== last)
    .map((value) => text.slice(0, -1) + BASE64URL[value]);
}
