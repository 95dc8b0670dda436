import { createHash } from "node:crypto";
import type { RateLimiter, RateLimitPolicy } from "../../core/rate-limit.ts";
import { ACCOUNT_API, type EmulatorService, USER_API } from "../../core/service.ts";
import type { StateFile } from "../../core/state-file.ts";
import { TokenCheck } from "./check.ts";
import { tokenRoutes } from "./routes.ts";
import { TokenStore } from "./store.ts";

export interface TokensDeps {
  state: StateFile;
  accountId: string;
  /** The bootstrap admin token's value on a fresh start; generated when absent. */
  adminToken?: string | undefined;
  limiter: RateLimiter;
  rateLimit: () => RateLimitPolicy;
}

/**
 * The account's owner, the one user the emulator knows: its id follows from the account's, so that
 * it stays the same across restarts on the same state, like a real user's.
 */
const userIdOf = (accountId: string) => createHash("md5").update(`user:${accountId}`).digest("hex");

/**
 * API tokens, account-owned and the user's, with permission groups, and the check every other
 * service authenticates with. Both owners' tokens are one store, since one check authenticates them.
 */
export function tokensService(
  deps: TokensDeps,
): EmulatorService<TokenStore> & { check: TokenCheck; userId: string } {
  const store = new TokenStore(deps.state, { adminToken: deps.adminToken });
  const userId = userIdOf(deps.accountId);
  const check = new TokenCheck(store, deps.accountId, userId, deps.limiter, deps.rateLimit);
  return {
    store,
    check,
    userId,
    mounts: [
      { path: `${ACCOUNT_API}/tokens`, routes: tokenRoutes(store, check.require, "account") },
      { path: `${USER_API}/tokens`, routes: tokenRoutes(store, check.requireUser, "user") },
    ],
  };
}
