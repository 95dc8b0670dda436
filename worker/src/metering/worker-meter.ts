import type { Context } from "hono";
import { refusalError, refusalOf } from "../budgets.ts";
import { type TenantBudget, tenantBudget } from "../durable/tenant-budget.ts";
import type { Budget, TakeResult } from "./ledger.ts";
import { type Background, Meter } from "./meter.ts";

/**
 * The Worker's side of metering: each isolate's `Meter`, leasing from the tenant's budget object,
 * and what the routes call to count a request against a tenant's budgets.
 */
type MeterEnv = { TENANT_BUDGET: DurableObjectNamespace<TenantBudget> };

/** What metering reads of a request's context, whatever its route. */
type MeteredContext = Pick<Context, "executionCtx"> & { env: MeterEnv };

/** This isolate's meter: one per budget namespace, which is one per isolate outside tests. */
const meters = new WeakMap<MeterEnv["TENANT_BUDGET"], Meter>();

function meterOf(env: MeterEnv): Meter {
  let meter = meters.get(env.TENANT_BUDGET);
  if (!meter) {
    const namespace = { TENANT_BUDGET: env.TENANT_BUDGET };
    meter = new Meter({
      lease: (tenantId, asks, settlements) => tenantBudget(namespace, tenantId).lease(asks, settlements),
    });
    meters.set(env.TENANT_BUDGET, meter);
  }
  return meter;
}

/**
 * The runtime's `waitUntil`, which keeps a lease's refill going after the response is sent. The
 * Worker's own tests call the app without an execution context: the refill then just runs on.
 */
function backgroundOf(c: MeteredContext): Background {
  try {
    const ctx = c.executionCtx;
    return (work) => ctx.waitUntil(work);
  } catch {
    return () => {};
  }
}

/** Whether one more call fits every budget: counted against them all if so, against none if not. */
export const admit = (c: MeteredContext, tenantId: string, budgets: Budget[]): Promise<TakeResult> =>
  meterOf(c.env).take(tenantId, budgets, backgroundOf(c));

/** Counts one call against the budgets of the tenant, or throws the 429 for the one spent. */
export async function spend(c: MeteredContext, tenantId: string, budgets: Budget[]): Promise<void> {
  const result = await admit(c, tenantId, budgets);
  if (!result.allowed) throw refusalError(refusalOf(result));
}
