import type { Context, MiddlewareHandler } from "hono";
import type { Env } from "../../core/env.ts";
import { cfErrors } from "../../core/errors.ts";
import type { RateLimiter, RateLimitPolicy } from "../../core/rate-limit.ts";
import { grants, permissionName } from "./permissions.ts";
import { ownerOf, type StoredToken, type TokenStore } from "./store.ts";

const BEARER = /^Bearer ([A-Za-z0-9_.-]{20,200})$/;

/**
 * Authenticates the bearer token, spends one unit of its rate limit, and checks that it holds
 * `needed` on the account in the path, as Cloudflare's API gateway does. `null`: any valid token.
 * Sets `tokenId` for the route and the request log.
 */
export type RequirePermission = (needed: string | null) => MiddlewareHandler<Env>;

/** Whether the token's policies allow `needed` on one of `resources` (deny policies win). */
function tokenAllows(token: Readonly<StoredToken>, resources: readonly string[], needed: string): boolean {
  if (token.superAdmin) return true;
  const covers = (held: Record<string, unknown>) => Object.keys(held).some((r) => resources.includes(r));
  const matching = token.policies.filter(
    (p) =>
      covers(p.resources) &&
      p.permission_groups.some((g) => {
        const name = permissionName(g.id);
        return name !== undefined && grants(name, needed);
      }),
  );
  return matching.some((p) => p.effect === "allow") && !matching.some((p) => p.effect === "deny");
}

/**
 * The check every service authenticates with: tokens, their permissions and their rate limit. A
 * user's token works on the account's APIs as far as its policies name the account, as an
 * account-owned one does; the user's own APIs (`/user/…`) take the user's tokens only.
 */
export class TokenCheck {
  constructor(
    private readonly tokens: TokenStore,
    private readonly accountId: string,
    /** The one user of the emulated account, its owner: what `com.cloudflare.api.user.<id>` names. */
    private readonly userId: string,
    private readonly limiter: RateLimiter,
    private readonly rateLimit: () => RateLimitPolicy,
  ) {}

  /** Resolves the bearer token to a stored, usable token or throws Cloudflare's error for it. */
  authenticate(header: string | undefined): Readonly<StoredToken> {
    if (!header) throw cfErrors.missingAuth();
    const match = BEARER.exec(header);
    if (!match) throw cfErrors.malformedAuth();
    const token = this.tokens.withValue(match[1]!);
    if (token?.status !== "active") throw cfErrors.invalidToken();
    const t = Date.now();
    if (token.expires_on && Date.parse(token.expires_on) <= t) throw cfErrors.invalidToken();
    if (token.not_before && Date.parse(token.not_before) > t) throw cfErrors.invalidToken();
    return token;
  }

  /** `needed` on the account in the path (`/accounts/:account_id/…`). */
  require: RequirePermission = (needed) => async (c, next) => {
    const token = this.admit(c);
    const accountId = c.req.param("account_id");
    if (accountId !== undefined) {
      const resources = [`com.cloudflare.api.account.${accountId}`, "com.cloudflare.api.account.*"];
      const allowed = needed === null || tokenAllows(token, resources, needed);
      if (accountId !== this.accountId || !allowed) {
        throw cfErrors.forbidden();
      }
    }
    this.tokens.recordUse(token.id);
    await next();
  };

  /**
   * `needed` on the user (`/user/…`). An account-owned token is not the user's: `/user/tokens/verify`
   * answers it 401 (benvinegar/counterscale PR #268, docs/reference/cloudflare-api.md §7.1), and the
   * emulator answers every user route so.
   */
  requireUser: RequirePermission = (needed) => async (c, next) => {
    const token = this.admit(c);
    if (!token.superAdmin && ownerOf(token) !== "user") throw cfErrors.invalidToken();
    if (needed !== null && !tokenAllows(token, [`com.cloudflare.api.user.${this.userId}`], needed))
      throw cfErrors.forbidden();
    this.tokens.recordUse(token.id);
    await next();
  };

  /** Authenticates the request's token and spends one unit of its rate limit. */
  private admit(c: Context<Env>): Readonly<StoredToken> {
    const token = this.authenticate(c.req.header("authorization"));
    c.set("tokenId", token.id);
    const verdict = this.limiter.take(token.id);
    const { requests, windowSeconds } = this.rateLimit();
    // Every response carries both headers; `Retry-After` only a 429, with the seconds left of the
    // block (developers.cloudflare.com/fundamentals/api/reference/limits/, docs/reference/cloudflare-api.md §8).
    c.header("Ratelimit", `"default";r=${verdict.remaining};t=${verdict.resetSeconds}`);
    c.header("Ratelimit-Policy", `"default";q=${requests};w=${windowSeconds}`);
    if (!verdict.allowed) throw cfErrors.rateLimited(verdict.resetSeconds);
    return token;
  }
}
