import { createMiddleware } from "hono/factory";
import { BUDGETS } from "../budgets.ts";
import { NEEDS, requireConfig } from "../config.ts";
import type { Budget } from "../metering/ledger.ts";
import { spend } from "../metering/worker-meter.ts";
import type { RouteEnv } from "../route-env.ts";
import { sharesOf } from "../tenants.ts";

/**
 * Credential minting limits, per tenant and per user (the validated body's `user_id`), and, for a
 * route that mints TURN credentials, the tenant's share of TURN issuance: counted against what
 * this isolate holds of the tenant's budgets, all or none. Runs after validation, so that a
 * refused request spends nothing. Minting routes are tenant routes.
 */
export const limitMinting = (upstream: { turn: boolean }) =>
  createMiddleware<RouteEnv<"tenant">>(async (c, next) => {
    const tenant = c.get("tenant");
    const userId = (c.get("input").body as { user_id?: string } | undefined)?.user_id;
    const budgets: Budget[] = [BUDGETS.credentials(tenant)];
    if (userId) budgets.push(BUDGETS.userCredentials(tenant, userId));
    if (upstream.turn) {
      const { TENANTS } = requireConfig(c.env, NEEDS.tenantAuth);
      budgets.push(BUDGETS.turn(sharesOf(TENANTS, tenant.id)!));
    }
    await spend(c, tenant.id, budgets);
    await next();
  });
