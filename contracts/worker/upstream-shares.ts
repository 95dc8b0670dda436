import { UPSTREAM_LIMITS } from "../cloudflare/limits.ts";
import type { TenantLimits } from "./bindings.ts";

/** What one tenant may spend of each upstream budget. */
export interface UpstreamShares {
  /** Of the Worker's Cloudflare API token, per 5 minutes. */
  cloudflareApiPer5Minutes: number;
  /** Of the TURN key's credential issuance, per second. */
  turnCredentialsPerSecond: number;
  /** Per SFU session of the tenant, per second: Cloudflare's limit is per session, so it is not split. */
  sfuCallsPerSessionPerSecond: number;
}

/**
 * What the stack's post-deploy probes may spend of the Worker's Cloudflare API token, kept apart
 * from every tenant's share: a probe polls the probe input's status about once a second for the
 * few seconds a broadcast takes, so no probe can eat into what a tenant's viewers read with.
 */
export const PROBE_CLOUDFLARE_API_PER_5_MINUTES = 60;

/** Cloudflare's limit on each split budget, less what is reserved for the probes. */
const TENANTS_LIMIT = {
  cloudflareApiPer5Minutes: UPSTREAM_LIMITS.cloudflareApiPer5Minutes - PROBE_CLOUDFLARE_API_PER_5_MINUTES,
  turnCredentialsPerSecond: UPSTREAM_LIMITS.turnCredentialsPerSecond,
} as const;

/** The budgets tenants split between them: everything but the per-session one. */
const SPLIT = ["cloudflareApiPer5Minutes", "turnCredentialsPerSecond"] as const;

/**
 * Each tenant's shares: what it sets, else an equal part (rounded down, at least 1) of what the
 * tenants that set theirs leave of Cloudflare's limit. So that, all tenants together, the Worker
 * never asks for more than Cloudflare allows the one credential they share.
 */
export function upstreamShares(
  tenants: Record<string, { limits: TenantLimits }>,
): Map<string, UpstreamShares> {
  const entries = Object.entries(tenants);
  const equalPart = Object.fromEntries(
    SPLIT.map((budget) => {
      const set = entries.map(([, t]) => t.limits[budget]).filter((n): n is number => n !== undefined);
      const left = TENANTS_LIMIT[budget] - set.reduce((sum, n) => sum + n, 0);
      return [budget, Math.max(1, Math.floor(left / Math.max(1, entries.length - set.length)))];
    }),
  ) as Record<(typeof SPLIT)[number], number>;
  return new Map(
    entries.map(([id, { limits }]) => [
      id,
      {
        cloudflareApiPer5Minutes: limits.cloudflareApiPer5Minutes ?? equalPart.cloudflareApiPer5Minutes,
        turnCredentialsPerSecond: limits.turnCredentialsPerSecond ?? equalPart.turnCredentialsPerSecond,
        sfuCallsPerSessionPerSecond:
          limits.sfuCallsPerSessionPerSecond ?? UPSTREAM_LIMITS.sfuCallsPerSessionPerSecond,
      },
    ]),
  );
}

/**
 * Why these tenants' shares cannot all be honoured: a split budget whose settings, plus 1 for each
 * tenant that leaves its share to the default, exceed Cloudflare's limit.
 */
export function oversubscribedBudgets(limits: TenantLimits[]): string[] {
  return SPLIT.flatMap((budget) => {
    const set = limits.map((l) => l[budget]).filter((n): n is number => n !== undefined);
    const asked = set.reduce((sum, n) => sum + n, 0) + (limits.length - set.length);
    return asked > TENANTS_LIMIT[budget]
      ? [
          `limits.${budget}: the tenants ask for ${asked} (counting 1 for each tenant without a setting), ` +
            `more than the ${TENANTS_LIMIT[budget]} Cloudflare allows the one credential they share` +
            (budget === "cloudflareApiPer5Minutes"
              ? ` (${UPSTREAM_LIMITS[budget]} less the probes' ${PROBE_CLOUDFLARE_API_PER_5_MINUTES})`
              : ""),
        ]
      : [];
  });
}
