import * as z from "zod/mini";

/** Tenant ids, channel names, room ids and user ids all share this shape (docs/spec.md §3). */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export const id = (what: string) =>
  z.string().check(z.regex(ID_PATTERN, { message: `${what} must match ${ID_PATTERN.source}` }));

/** Cloudflare resource identifiers: 32 lowercase hex characters. */
export const cfTag = z
  .string()
  .check(z.regex(/^[0-9a-f]{32}$/, { message: "must be a 32-character hex identifier" }));
