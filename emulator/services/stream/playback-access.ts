import { createPublicKey, verify } from "node:crypto";
import { BlockList, isIPv4, isIPv6 } from "node:net";
import * as z from "zod/mini";
import {
  type AccessRule,
  accessRules,
  SIGNED_URL_MAX_TTL_SECONDS,
} from "#contracts/cloudflare/stream-keys.ts";
import type { Viewer } from "../../core/viewer.ts";
import type { SigningKeyStore } from "./signing-keys.ts";
import type { StoredLiveInput, StreamStore } from "./store.ts";

/**
 * What a delivery path's id resolves to: the live input, or Cloudflare's refusal. Cloudflare
 * documents no status for a refused signed URL; third parties saw 401 Unauthorized for an unsigned
 * URL of a private video (docs/reference/cloudflare-api.md §11.4), so every refusal here is 401, a
 * guess for the token failures.
 */
export type PlaybackAccess =
  | { ok: true; input: Readonly<StoredLiveInput> }
  | { ok: false; status: 401 | 404; reason: string };

/**
 * Resolves the id-or-token in a delivery path (`…/<uid or token>/manifest/…`, `/webRTC/play`,
 * `/lifecycle`, and later `/views` and `/thumbnails`) as Stream does with `requireSignedURLs`.
 */
export type ResolvePlayback = (idOrToken: string, viewer: Viewer) => PlaybackAccess;

const UID = /^[0-9a-f]{32}$/;
const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** `exp` and `nbf` come as numbers or as numeric strings, as in Cloudflare's own `/token` sample (§11.2). */
const epoch = z.union([z.number(), z.string().check(z.regex(/^\d{1,12}$/))]);
const header = z.object({ alg: z.string(), kid: z.optional(z.string()) });
const claims = z.object({
  sub: z.optional(z.string()),
  kid: z.optional(z.string()),
  exp: z.optional(epoch),
  nbf: z.optional(epoch),
  accessRules: z.optional(accessRules),
});

const refused = (reason: string): PlaybackAccess => ({ ok: false, status: 401, reason });
const notFound: PlaybackAccess = { ok: false, status: 404, reason: "Not Found" };

function decodeJson(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
}

/** The viewer's address without the IPv4-mapped prefix a dual-stack socket adds. */
const plainIp = (ip: string) => (ip.startsWith("::ffff:") && isIPv4(ip.slice(7)) ? ip.slice(7) : ip);

/** Whether a rule applies to the viewer; an IPv4 range never applies to an IPv6 viewer (§11.2). */
function matches(rule: AccessRule, viewer: Viewer): boolean {
  if (rule.type === "any") return true;
  if (rule.type === "ip.geoip.country") return rule.country.includes(viewer.country);
  const ip = plainIp(viewer.ip);
  const family = isIPv6(ip) ? "ipv6" : "ipv4";
  const list = new BlockList();
  for (const range of rule.ip) {
    const [address = "", bits] = range.split("/");
    const rangeFamily = isIPv6(address) ? "ipv6" : isIPv4(address) ? "ipv4" : undefined;
    if (rangeFamily !== family) continue;
    if (bits === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(bits), family);
  }
  return list.check(ip, family);
}

/** First match decides; no match leaves the token valid (§11.2). */
const allowedByRules = (rules: AccessRule[], viewer: Viewer) =>
  rules.find((rule) => matches(rule, viewer))?.action !== "block";

/**
 * The delivery host's check, one function for every delivery path. A uid plays unless its input
 * requires signed URLs; a token plays when it is an RS256 JWT signed by one of the account's
 * current keys (header `kid`, which the payload's `kid` must repeat), its `sub` is the input, `nbf`
 * has passed, `exp` has not and lies at most 24 hours ahead, and its access rules let the viewer in.
 */
export function playbackResolver(
  inputs: Pick<StreamStore, "get">,
  keys: Pick<SigningKeyStore, "get">,
  clock: () => number = Date.now,
): ResolvePlayback {
  return (idOrToken, viewer) => {
    if (UID.test(idOrToken)) {
      const input = inputs.get(idOrToken);
      if (!input) return notFound;
      if (input.recording.requireSignedURLs) return refused("This live input requires a signed URL");
      return { ok: true, input };
    }
    if (!JWT.test(idOrToken)) return notFound;
    const [head = "", body = "", signature = ""] = idOrToken.split(".");
    const h = z.safeParse(header, decodeJson(head));
    const p = z.safeParse(claims, decodeJson(body));
    if (!h.success || !p.success) return refused("The token is malformed");
    // `alg` is the signer's claim, never trusted to pick the check: only RS256 is Stream's (§11.2).
    if (h.data.alg !== "RS256") return refused("The token is not signed with RS256");
    const kid = h.data.kid;
    if (!kid || p.data.kid !== kid) return refused("The token's header and payload must name the same kid");
    const key = keys.get(kid);
    if (!key) return refused("The token's signing key is not one of the account's keys");
    const signed = verify(
      "sha256",
      Buffer.from(`${head}.${body}`),
      createPublicKey(key.publicKey),
      Buffer.from(signature, "base64url"),
    );
    if (!signed) return refused("The token's signature does not verify");
    const nowSeconds = clock() / 1000;
    if (p.data.exp === undefined) return refused("The token has no exp");
    const exp = Number(p.data.exp);
    if (exp <= nowSeconds) return refused("The token has expired");
    if (exp > nowSeconds + SIGNED_URL_MAX_TTL_SECONDS)
      return refused("The token's exp is more than 24 hours ahead");
    if (p.data.nbf !== undefined && Number(p.data.nbf) > nowSeconds)
      return refused("The token is not valid yet");
    const input = p.data.sub === undefined ? undefined : inputs.get(p.data.sub);
    if (!input) return refused("The token's sub is not a live input of this account");
    if (!allowedByRules(p.data.accessRules ?? [], viewer))
      return refused("An access rule blocks this viewer");
    return { ok: true, input };
  };
}
