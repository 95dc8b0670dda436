import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { BUDGETS } from "../budgets.ts";
import { NEEDS, requireConfig } from "../config.ts";
import type { WorkerBindings } from "../env.ts";
import type { Budget } from "../metering/ledger.ts";
import { admit, spend } from "../metering/worker-meter.ts";
import type { RouteEnv } from "../route-env.ts";
import type { SessionClaims } from "../session-token.ts";
import { sharesOf } from "../tenants.ts";

/** The session's share of Realtime API calls (Cloudflare allows 50 a second per session). */
function sessionCallBudget(env: WorkerBindings, member: SessionClaims): Budget {
  const { TENANTS } = requireConfig(env, NEEDS.sessionAuth);
  return BUDGETS.sfuSession(sharesOf(TENANTS, member.tenant)!, member.session);
}

/** For a retry of a session call: whether the session's share allows one more call. */
export const admitSessionCall = async (c: Context<RouteEnv<"session">>, member: SessionClaims) =>
  (await admit(c, member.tenant, [sessionCallBudget(c.env, member)])).allowed;

/** Counts the call against the session's share before the session proxy sends it; 429 when spent. After session auth. */
export const limitSessionCalls = createMiddleware<RouteEnv<"session">>(async (c, next) => {
  const member = c.get("roomMember");
  await spend(c, member.tenant, [sessionCallBudget(c.env, member)]);
  await next();
});
