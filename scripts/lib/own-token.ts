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
 * saying so could go stale when someone replaces the token. The user's verify is asked first, because
 * its refusal of an account-owned token is documented (401, benvinegar/counterscale PR #268), so a
 * token it accepts is the user's; what the account's verify answers a user's token is not documented,
 * and asked second, its answer no longer decides the owner. An account-owned token, the kind Cloudflare
 * recommends, pays one more call. Neither knowing it throws the account's answer.
 */
export async function verifyOwnToken(
  client: CloudflareRest,
  accountId: string,
  signal?: AbortSignal,
): Promise<OwnToken> {
  const options = signal ? { signal } : {};
  try {
    const verified = await client.call("GET", "/user/tokens/verify", tokenVerify, undefined, options);
    return { owner: "user", tokens: "/user/tokens", verified };
  } catch (userError) {
    if (!refused(userError)) throw userError;
    const account = `/accounts/${accountId}/tokens`;
    const verified = await client.call("GET", `${account}/verify`, tokenVerify, undefined, options);
    return { owner: "account", tokens: account, verified };
  }
}
