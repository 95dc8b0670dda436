import { ID_PATTERN } from "#contracts/ids.ts";
import {
  DEFAULT_TENANT_LIMITS,
  type DeclaredOutput,
  type TenantLimits,
  type TenantMap,
} from "#contracts/worker/tenant-map.ts";
import {
  type CloudflareApiBudget,
  cloudflareApiSplit,
  PROBE_CLOUDFLARE_API_PER_5_MINUTES,
  type UpstreamShares,
  upstreamShares,
} from "#contracts/worker/upstream-shares.ts";

/** A tenant of the map, with its id and every default filled in. */
export interface Tenant {
  id: string;
  /** Channel name → the uid of its live input. */
  channels: Record<string, string>;
  /** Channel name → its restream outputs as declared (no stream keys); a channel without any is absent. */
  outputs: Record<string, DeclaredOutput[]>;
  allowedOrigins: string[];
  limits: TenantLimits;
  /** Its private channels' names: they play only through a playback token. */
  signed: readonly string[];
  /** The account's Stream delivery host, which every channel plays from. */
  playbackBase: string;
}

/** The tenant's entry in the map, if the id is well formed and the map has it as its own key. */
export function findTenant(map: TenantMap, tenantId: string): Tenant | undefined {
  if (!ID_PATTERN.test(tenantId) || !Object.hasOwn(map.tenants, tenantId)) return undefined;
  const entry = map.tenants[tenantId]!;
  return {
    id: tenantId,
    channels: entry.channels,
    outputs: entry.outputs ?? {},
    allowedOrigins: entry.allowedOrigins ?? [],
    signed: entry.signed ?? [],
    limits: entry.limits ?? DEFAULT_TENANT_LIMITS,
    playbackBase: map.playbackBase,
  };
}

/**
 * What a tenant-authenticated caller holds: the tenant key, or a dashboard token made from it;
 * either way, of the key generation it proved.
 */
export type TenantCredential =
  | { kind: "tenant_key"; generation: number }
  | { kind: "dashboard_token"; generation: number; signedInAt: number };

/**
 * Memoized per tenant map: there is one per isolate (it is compiled into the script), and the
 * answers below walk every tenant, which no request should do at ten thousand of them.
 */
function perMap<T>(compute: (map: TenantMap) => T): (map: TenantMap) => T {
  const memo = new WeakMap<TenantMap, T>();
  return (map) => {
    if (!memo.has(map)) memo.set(map, compute(map));
    return memo.get(map)!;
  };
}

/** The Worker's API budget as the map states it, and the tenants' live inputs it is spent reading. */
export const apiBudgetOf = perMap(
  (map): CloudflareApiBudget => ({
    per5Minutes: map.cloudflareApiPer5Minutes,
    liveInputs: Object.values(map.tenants).reduce((sum, t) => sum + Object.keys(t.channels).length, 0),
  }),
);

const allShares = perMap((map) => upstreamShares(map.tenants, apiBudgetOf(map)));

/** The tenant's shares of the upstream budgets. */
export const sharesOf = (map: TenantMap, tenantId: string): UpstreamShares | undefined =>
  allShares(map).get(tenantId);

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

/** Whom the status sweep's reads are paid by: its own share of the API budget, no tenant's. */
export const REFRESH_CALLER = "~refresh";
export const refreshSharesOf = perMap(
  (map): UpstreamShares => ({
    cloudflareApiPer5Minutes: cloudflareApiSplit(apiBudgetOf(map), Object.values(map.tenants)).refresh,
    turnCredentialsPerSecond: 0,
    sfuCallsPerSessionPerSecond: 0,
  }),
);

/**
 * Every live input any tenant's channel uses, once each, with the tenant whose share pays for
 * reading it when no tenant asked (a notification): the first tenant that lists it.
 */
export const liveInputOwners = perMap((map) => {
  const owners = new Map<string, string>();
  for (const [tenantId, tenant] of Object.entries(map.tenants)) {
    for (const liveInputId of Object.values(tenant.channels)) {
      if (!owners.has(liveInputId)) owners.set(liveInputId, tenantId);
    }
  }
  return owners;
});

/** Every origin some tenant allows: what a preflight, which names no tenant, is checked against. */
export const allowedOriginsOf = perMap(
  (map) => new Set(Object.values(map.tenants).flatMap((t) => t.allowedOrigins ?? [])),
);

/** Every tenant's live input, once each, in a fixed order: the list the status sweep goes through. */
export const liveInputsOf = perMap((map) => [...liveInputOwners(map).keys()].sort());

/** The live inputs of every private channel in the map, for the channel status objects, which know inputs by uid. */
export const signedInputsOf = perMap(
  (map): ReadonlySet<string> =>
    new Set(
      Object.values(map.tenants).flatMap((t) =>
        (t.signed ?? []).flatMap((name) => (Object.hasOwn(t.channels, name) ? [t.channels[name]!] : [])),
      ),
    ),
);
