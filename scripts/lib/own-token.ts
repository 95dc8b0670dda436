import type * as z from "zod";
import { tokenVerify } from "#contracts/cloudflare/tokens.ts";
import { CloudflareApiError, type CloudflareRest } from "#infra/cloudflare-rest.ts";

/** The token a client calls with, as its owner's verify answers it, and where its owner's tokens API is. */
export interface OwnToken {
  owner: "account" | "user";
  /** `/accounts/{account_id}/tokens` or `/user/tokens`: verify, roll and permission groups lie under it. */
  tokens: string;
  verified: z.infer<typeof tokenVerify>;
}

const refused = (e: unknown) => e instanceof CloudflareApiError && (e.status === 401 || e.status === 403);

/**
 * The client's own token, through the verify endpoint its owner serves: `GET /accounts/{account_id}/
 * tokens/verify` for an account-owned token, `GET /user/tokens/verify` for a user's (Cloudflare staff
 * on cloudflare-docs issue #29486; docs/reference/cloudflare-api.md §7.1, §7.2). Which owner a token
 * has cannot be told from every value (only the newer `cfat_`/`cfut_` formats carry it), and a setting
 * saying so could go stale when someone replaces the token. The user's verify is asked first: that it
 * refuses an account-owned token with 401 is observed and relied on by others (benvinegar/counterscale
 * PR #268, [3P] in docs/reference/cloudflare-api.md), so a token it accepts is the user's, while what
 * the account's verify answers a user's token nobody reports, and asked second, its answer no longer
 * decides the owner. Any failure of the user's verify (an outage too) falls through to the account's,
 * so an account-owned token, the kind Cloudflare recommends, never depends on the user's endpoint; it
 * pays one more call. When neither accepts the token, the account's refusal is thrown if the user's
 * refused too, otherwise the user's failure, which is then the likelier cause.
 */
export async function verifyOwnToken(
  client: CloudflareRest,
  accountId: string,
  signal?: AbortSignal,
): Promise<OwnToken> {
  const options = signal ? { signal } : {};
  let userError: unknown;
  try {
    // One attempt (`once`: a 5xx is not repeated), so that an outage of the user's endpoint does not
    // hold an account-owned token's check for the client's whole retry deadline.
    const verified = await client.call("GET", "/user/tokens/verify", tokenVerify, undefined, {
      ...options,
      once: true,
    });
    return { owner: "user", tokens: "/user/tokens", verified };
  } catch (e) {
    userError = e;
  }
  const account = `/accounts/${accountId}/tokens`;
  try {
    const verified = await client.call("GET", `${account}/verify`, tokenVerify, undefined, options);
    return { owner: "account", tokens: account, verified };
  } catch (accountError) {
    throw refused(userError) ? accountError : userError;
  }
}
