import type { MiddlewareHandler } from "hono";
import type { Env } from "../../core/env.ts";
import { cfErrors } from "../../core/errors.ts";
import type { RateLimiter, RateLimitPolicy } from "../../core/rate-limit.ts";
import { grants, permissionName } from "./permissions.ts";
import type { StoredToken, TokenStore } from "./store.ts";

const BEARER = /^Bearer ([A-Za-z0-9_.-]{20,200})$/;

/**
 * Authenticates the bearer token, spends one unit of its rate limit, and checks that it holds
 * `needed` on the account in the path, as Cloudflare's API gateway does. `null`: any valid token.
 * Sets `tokenId` for the route and the request log.
 */
export type RequirePermission = (needed: string | null) => MiddlewareHandler<Env>;

/** Whether the token's policies allow `needed` on the account (deny policies win). */
function tokenAllows(token: Readonly<StoredToken>, accountId: string, needed: string): boolean {
  if (token.superAdmin) return true;
  const covers = (resources: Record<string, unknown>) =>
    Object.keys(resources).some(
      (r) => r === `com.cloudflare.api.account.${accountId}` || r === "com.cloudflare.api.account.*",
    );
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

/** The check every service authenticates with: tokens, their permissions and their rate limit. */
export class TokenCheck {
  constructor(
    private readonly tokens: TokenStore,
    private readonly accountId: string,
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

  require: RequirePermission = (needed) => async (c, next) => {
    const token = this.authenticate(c.req.header("authorization"));
    c.set("tokenId", token.id);
    const verdict = this.limiter.take(token.id);
    const { requests, windowSeconds } = this.rateLimit();
    // Every response carries both headers; `Retry-After` only a 429, with the seconds left of the
    // block (developers.cloudflare.com/fundamentals/api/reference/limits/, docs/reference/cloudflare-api.md §8).
    c.header("Ratelimit", `"default";r=${verdict.remaining};t=${verdict.resetSeconds}`);
    c.header("Ratelimit-Policy", `"default";q=${requests};w=${windowSeconds}`);
    if (!verdict.allowed) throw cfErrors.rateLimited(verdict.resetSeconds);
    const accountId = c.req.param("account_id");
    if (accountId !== undefined) {
      const allowed = needed === null || tokenAllows(token, accountId, needed);
      if (accountId !== this.accountId || !allowed) {
        throw cfErrors.forbidden();
      }
    }
    this.tokens.recordUse(token.id);
    await next();
  };
}
