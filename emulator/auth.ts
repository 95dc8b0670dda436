import type { MiddlewareHandler } from "hono";
import type { Env } from "./context.ts";
import { cfErrors } from "./errors.ts";
import { now } from "./ids.ts";
import { grants, permissionName } from "./permissions.ts";
import type { StoredToken } from "./state.ts";

const BEARER = /^Bearer ([A-Za-z0-9_.-]{20,200})$/;

/** Whether the token's policies allow `needed` on the account (deny policies win). */
function tokenAllows(token: StoredToken, accountId: string, needed: string): boolean {
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

/** Resolves the bearer token to a stored, usable token or throws Cloudflare's error for it. */
export function authenticate(header: string | undefined, find: (value: string) => StoredToken | undefined) {
  if (!header) throw cfErrors.missingAuth();
  const match = BEARER.exec(header);
  if (!match) throw cfErrors.malformedAuth();
  const token = find(match[1]!);
  if (token?.status !== "active") throw cfErrors.invalidToken();
  const t = Date.now();
  if (token.expires_on && Date.parse(token.expires_on) <= t) throw cfErrors.invalidToken();
  if (token.not_before && Date.parse(token.not_before) > t) throw cfErrors.invalidToken();
  return token;
}

/**
 * Authenticates the bearer token, spends one unit of its rate limit, and checks that it holds
 * `needed` on the account in the path, as Cloudflare's API gateway does. `null`: any valid token.
 */
export function requirePermission(needed: string | null): MiddlewareHandler<Env> {
  return async (c, next) => {
    const services = c.get("services");
    const token = authenticate(c.req.header("authorization"), (v) => services.state.tokenByValue(v));
    c.set("token", token);
    const budget = services.limiter.take(token.id);
    const { requests, windowSeconds } = services.config.rateLimit;
    c.header("Ratelimit", `"default";r=${budget.remaining};t=${budget.resetSeconds}`);
    c.header("Ratelimit-Policy", `"default";q=${requests};w=${windowSeconds}`);
    if (!budget.allowed) throw cfErrors.rateLimited(budget.resetSeconds);
    const accountId = c.req.param("account_id");
    if (accountId !== undefined) {
      const allowed = needed === null || tokenAllows(token, accountId, needed);
      if (accountId !== services.state.data.accountId || !allowed) {
        throw cfErrors.forbidden();
      }
    }
    token.last_used_on = now();
    await next();
  };
}
