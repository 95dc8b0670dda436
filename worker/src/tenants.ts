import { ID_PATTERN } from "#contracts/ids.ts";
import type { TenantBinding, TenantMap } from "#contracts/worker/bindings.ts";
import {
  PROBE_CLOUDFLARE_API_PER_5_MINUTES,
  type UpstreamShares,
  upstreamShares,
} from "#contracts/worker/upstream-shares.ts";

/** A tenant of the `TENANTS` binding, with its id. */
export type Tenant = TenantBinding & { id: string };

/** The tenant's entry in the map, if the id is well formed and the map has it as its own key. */
export function findTenant(tenants: TenantMap, tenantId: string): Tenant | undefined {
  return ID_PATTERN.test(tenantId) && Object.hasOwn(tenants, tenantId)
    ? { ...tenants[tenantId]!, id: tenantId }
    : undefined;
}

/**
 * What a tenant-authenticated caller holds: the tenant key, or a dashboard token made from it;
 * either way, of the key generation it proved.
 */
export type TenantCredential =
  | { kind: "tenant_key"; generation: number }
  | { kind: "dashboard_token"; generation: number; signedInAt: number };

const shares = new WeakMap<TenantMap, Map<string, UpstreamShares>>();

/**
 * Whom the probe input's reads are paid by: no tenant id can be this (ids are `[A-Za-z0-9_-]`), so
 * its budget object and its reserve are its own.
 */
export const PROBE_CALLER = "~probe";
export const PROBE_SHARES: UpstreamShares = {
  cloudflareApiPer5Minutes: PROBE_CLOUDFLARE_API_PER_5_MINUTES,
  turnCredentialsPerSecond: 0,
  sfuCallsPerSessionPerSecond: 0,
};

/** The tenant's shares of the upstream budgets, worked out once per tenant map. */
export function sharesOf(tenants: TenantMap, tenantId: string): UpstreamShares | undefined {
  let all = shares.get(tenants);
  if (!all) {
    all = upstreamShares(tenants);
    shares.set(tenants, all);
  }
  return all.get(tenantId);
}
