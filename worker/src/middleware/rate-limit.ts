import { createMiddleware } from "hono/factory";
import { ApiError } from "../api-error.ts";
import type { Budget } from "../durable/tenant-budget.ts";
import type { AppEnv } from "../env.ts";

/**
 * Credential minting limits, per tenant and per user (the validated body's `user_id`), from the
 * tenant map. Runs after validation, so that a refused request spends nothing.
 */
export const mintRateLimit = createMiddleware<AppEnv>(async (c, next) => {
  const tenant = c.get("tenant");
  const userId = (c.get("input").body as { user_id?: string } | undefined)?.user_id;
  const budgets: Budget[] = [{ key: "tenant", perMinute: tenant.limits.credentialsPerMinute }];
  if (userId) budgets.push({ key: `user:${userId}`, perMinute: tenant.limits.credentialsPerUserPerMinute });
  const limiter = c.env.TENANT_BUDGET.get(c.env.TENANT_BUDGET.idFromName(tenant.id));
  const result = await limiter.take(budgets);
  if (!result.allowed) {
    const scope = result.key === "tenant" ? "tenant" : "user";
    throw new ApiError("rate_limited", `Too many credentials minted for this ${scope}; retry later`, {
      headers: { "retry-after": String(result.retryAfterSeconds) },
      details: { scope, retry_after: result.retryAfterSeconds },
    });
  }
  await next();
});
