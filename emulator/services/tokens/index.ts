import type { RateLimiter, RateLimitPolicy } from "../../core/rate-limit.ts";
import { ACCOUNT_API, type EmulatorService } from "../../core/service.ts";
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

/** Account API tokens and permission groups, and the check every other service authenticates with. */
export function tokensService(deps: TokensDeps): EmulatorService<TokenStore> & { check: TokenCheck } {
  const store = new TokenStore(deps.state, { adminToken: deps.adminToken });
  const check = new TokenCheck(store, deps.accountId, deps.limiter, deps.rateLimit);
  return {
    store,
    check,
    mounts: [{ path: `${ACCOUNT_API}/tokens`, routes: tokenRoutes(store, check.require) }],
  };
}
