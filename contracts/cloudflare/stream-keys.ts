import * as z from "zod/mini";
import { cfTag } from "../ids.ts";

/**
 * Stream signing keys, `/accounts/{account_id}/stream/keys` (docs/reference/cloudflare-api.md §11):
 * create hands out the key material once, `pem` (base64 of a PKCS#1 PEM) and `jwk` (base64 of the
 * private RSA JWK, whose `kid` is the key's id); the list has ids and creation times only, and
 * there is no per-key GET.
 */
export const streamSigningKeyCreated = z.object({
  id: cfTag,
  pem: z.string().check(z.minLength(1)),
  jwk: z.string().check(z.minLength(1)),
  created: z.iso.datetime({ offset: true }),
});
export type StreamSigningKeyCreated = z.infer<typeof streamSigningKeyCreated>;

export const streamSigningKeyListed = z.object({ id: cfTag, created: z.iso.datetime({ offset: true }) });

/** The list's `result`: null, not `[]`, on an account with no key (docs/reference/cloudflare-api.md §11.1). */
export const streamSigningKeyList = z.pipe(
  z.nullable(z.array(streamSigningKeyListed)),
  z.transform((keys) => keys ?? []),
);

/** Cloudflare's documented cap on signing keys per account. */
export const STREAM_SIGNING_KEYS_MAX = 1_000;

/** How far ahead a token's `exp` may be from when it is signed: 24 hours (§11.2). */
export const SIGNED_URL_MAX_TTL_SECONDS = 86_400;

/** How many access rules one token may carry (§11.2). */
export const ACCESS_RULES_MAX = 5;

/**
 * One access rule of a signed token: `any`, `ip.src` (IPs or CIDR ranges) or `ip.geoip.country`
 * (ISO 3166-1 alpha-2 codes), each allowing or blocking; evaluated first to last, the first match
 * decides, and no match leaves the token valid (§11.2).
 */
export const accessRule = z.discriminatedUnion("type", [
  z.object({ type: z.literal("any"), action: z.enum(["allow", "block"]) }),
  z.object({
    type: z.literal("ip.src"),
    action: z.enum(["allow", "block"]),
    ip: z
      .array(
        z.string().check(z.regex(/^[0-9A-Fa-f:.]+(\/\d{1,3})?$/, { message: "must be an IP or CIDR range" })),
      )
      .check(z.minLength(1), z.maxLength(64)),
  }),
  z.object({
    type: z.literal("ip.geoip.country"),
    action: z.enum(["allow", "block"]),
    country: z
      .array(
        z.string().check(z.regex(/^[A-Z]{2}$/, { message: "must be an ISO 3166-1 alpha-2 code such as GB" })),
      )
      .check(z.minLength(1), z.maxLength(250)),
  }),
]);
export type AccessRule = z.infer<typeof accessRule>;

export const accessRules = z.array(accessRule).check(
  z.maxLength(ACCESS_RULES_MAX, {
    message: `at most ${ACCESS_RULES_MAX} access rules (Cloudflare's limit)`,
  }),
);
