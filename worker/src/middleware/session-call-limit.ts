import { createMiddleware } from "hono/factory";
import { BUDGETS, spend } from "../budgets.ts";
import { NEEDS, requireConfig } from "../config.ts";
import { type Budget, tenantBudget } from "../durable/tenant-budget.ts";
import type { AppEnv, WorkerBindings } from "../env.ts";
import type { SessionClaims } from "../session-token.ts";
import { sharesOf } from "../tenants.ts";

/** The session's share of Realtime API calls (Cloudflare allows 50 a second per session). */
function sessionCallBudget(env: WorkerBindings, member: SessionClaims): Budget {
  const { TENANTS } = requireConfig(env, NEEDS.sessionAuth);
  return BUDGETS.sfuSession(sharesOf(TENANTS, member.tenant)!, member.session);
}

/** For a retry of a session call: whether the session's share allows one more call. */
export const admitSessionCall = async (env: WorkerBindings, member: SessionClaims) =>
  (await tenantBudget(env, member.tenant).take([sessionCallBudget(env, member)])).allowed;

/** Counts the call against the session's share before the session proxy sends it; 429 when spent. After session auth. */
export const limitSessionCalls = createMiddleware<AppEnv>(async (c, next) => {
  const member = c.get("roomMember");
  await spend(c.env, member.tenant, [sessionCallBudget(c.env, member)]);
  await next();
});
