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
 * on cloudflare-docs issue #29486; docs/reference/cloudflare-api.md §7.1, §7.2). Each refuses the other
 * owner's token (`/user/tokens/verify` answers an account-owned one 401, benvinegar/counterscale PR
 * #268; the converse is our inference). Which owner a token has cannot be told from every value (only
 * the newer `cfat_`/`cfut_` formats carry it) and a setting saying so could go stale when someone
 * replaces the token, so the account's endpoint is asked first and the user's when it refuses: one
 * more call, and only for a user's token. Neither knowing it throws the account's answer.
 */
export async function verifyOwnToken(
  client: CloudflareRest,
  accountId: string,
  signal?: AbortSignal,
): Promise<OwnToken> {
  const options = signal ? { signal } : {};
  const account = `/accounts/${accountId}/tokens`;
  try {
    const verified = await client.call("GET", `${account}/verify`, tokenVerify, undefined, options);
    return { owner: "account", tokens: account, verified };
  } catch (accountError) {
    if (!refused(accountError)) throw accountError;
    try {
      const verified = await client.call("GET", "/user/tokens/verify", tokenVerify, undefined, options);
      return { owner: "user", tokens: "/user/tokens", verified };
    } catch (userError) {
      if (!(userError instanceof CloudflareApiError)) throw userError;
      throw accountError;
    }
  }
}
