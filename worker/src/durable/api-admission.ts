import { BUDGETS, refusalOf } from "../budgets.ts";
import { type ConfigBindings, NEEDS, requireConfig } from "../config.ts";
import { PROBE_CALLER, PROBE_SHARES, REFRESH_CALLER, refreshSharesOf, sharesOf } from "../tenants.ts";
import type { ReadFailure } from "./status-result.ts";
import { type TenantBudget, tenantBudget } from "./tenant-budget.ts";

/** What admission reads: the stack's config, and the tenants' budget objects it pays from. */
export type AdmissionEnv = ConfigBindings & { TENANT_BUDGET: DurableObjectNamespace<TenantBudget> };

/**
 * One call's worth of the Cloudflare API budget, from the first payer whose share has room: a
 * tenant's share, the probes' reserve or the sweep's share (contracts/worker/upstream-shares.ts).
 * The first refusal answers when none has room.
 */
export async function admitApiCall(
  env: AdmissionEnv,
  payers: string[],
): Promise<{ ok: true; payer: string } | ReadFailure> {
  const { TENANTS } = requireConfig(env, NEEDS.stream);
  let refusal: ReadFailure | undefined;
  for (const payer of payers) {
    const shares =
      payer === PROBE_CALLER
        ? PROBE_SHARES
        : payer === REFRESH_CALLER
          ? refreshSharesOf(TENANTS)
          : sharesOf(TENANTS, payer);
    if (!shares) throw new Error(`tenant ${payer} is not in the tenant map`);
    const result = await tenantBudget(env, payer).take([BUDGETS.cloudflareApi(shares)]);
    if (result.allowed) return { ok: true, payer };
    refusal ??= { ok: false, refused: refusalOf(result) };
  }
  return refusal!;
}
