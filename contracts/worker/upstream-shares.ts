import { UPSTREAM_LIMITS } from "../cloudflare/limits.ts";
import type { TenantLimits } from "./tenant-map.ts";

/** What one tenant may spend of each upstream budget. */
export interface UpstreamShares {
  /** Of the Worker's Cloudflare API token, per 5 minutes. */
  cloudflareApiPer5Minutes: number;
  /**
   * Of the TURN key's credential issuance, per second. Below 1 (more tenants than Cloudflare's 500
   * a second has whole seconds for) it is a fraction with a whole number per minute, metered over
   * a minute: see `turnShareOf`.
   */
  turnCredentialsPerSecond: number;
  /** Per SFU session of the tenant, per second: Cloudflare's limit is per session, so it is not split. */
  sfuCallsPerSessionPerSecond: number;
}

/**
 * What the stack's post-deploy probes may spend of the Worker's Cloudflare API token, kept apart
 * from every tenant's share, so that no probe can eat into what a tenant's broadcasters connect with.
 */
export const PROBE_CLOUDFLARE_API_PER_5_MINUTES = 60;

/**
 * The least the status sweep keeps of the Worker's API budget, however many tenants share the
 * rest: the sweep re-reads each live input in the background (worker/src/refresh-channels.ts), so
 * that `enabled` and the ingest details a stale connect answers with keep up with Cloudflare.
 */
export const REFRESH_MIN_CLOUDFLARE_API_PER_5_MINUTES = 20;

/** How often the sweep would re-read each live input when the budget allows: liveness needs no read. */
export const REFRESH_TARGET_MS = 15 * 60_000;

/**
 * `realtime-stack:worker.cloudflareApiPer5Minutes` when unset: Cloudflare's 1,200 less 60 kept
 * aside for a deploy's overlap, when objects still running the previous version keep its shares
 * for up to 5 minutes (docs/reference/cloudflare-api.md §6.5).
 */
export const DEFAULT_WORKER_CLOUDFLARE_API_PER_5_MINUTES = 1_140;

const FIVE_MINUTES_MS = 5 * 60_000;

/**
 * The least a tenant without a setting gets of TURN issuance: 1 a minute. Cloudflare's 500 a
 * second "starts at" that rate "and scales linearly" (docs/reference/cloudflare-api.md §5.1), a
 * pace to keep on average rather than a wall a burst hits, so past 500 tenants each default share
 * is a whole number of credentials per minute and the sum of them all still averages 500 a second.
 */
export const TURN_LEAST_PER_MINUTE = 1;

/**
 * An equal part of `perSecond` for each of `tenants`: whole credentials a second while there are
 * enough, else whole credentials a minute (at least `TURN_LEAST_PER_MINUTE`), as a per-second
 * fraction.
 */
function turnShareOf(perSecond: number, tenants: number): number {
  const part = perSecond / Math.max(1, tenants);
  if (part >= 1) return Math.floor(part);
  return Math.max(TURN_LEAST_PER_MINUTE, Math.floor(part * 60)) / 60;
}

/** The Worker's budget on its Cloudflare API token, and how much there is to read with it. */
export interface CloudflareApiBudget {
  /** All the Worker's calls on the token together (`realtime-stack:worker.cloudflareApiPer5Minutes`). */
  per5Minutes: number;
  /** The tenants' live inputs, which the sweep re-reads (and the probe input, one more). */
  liveInputs: number;
}

/** How the Worker's API budget is split, per 5 minutes. Together never more than the budget. */
export interface CloudflareApiSplit {
  probe: number;
  /** The status sweep's. */
  refresh: number;
  /** What each tenant without a setting of its own gets. */
  equalPart: number;
}

type Limited = { limits?: Partial<TenantLimits> };

const setShares = (tenants: Limited[], budget: "cloudflareApiPer5Minutes" | "turnCredentialsPerSecond") => {
  const set = tenants.map((t) => t.limits?.[budget]).filter((n): n is number => n !== undefined);
  return { total: set.reduce((sum, n) => sum + n, 0), unset: tenants.length - set.length };
};

/**
 * The probes get their reserve. Of the rest, once the tenants that set their shares have them and
 * every other tenant has 1, the sweep gets half, never less than its least nor more than it needs
 * to re-read every live input once per `REFRESH_TARGET_MS`; the tenants without a setting share
 * what is left equally (rounded down), and what rounding leaves goes to the sweep too. Together
 * they take exactly the budget (when it holds every tenant's 1).
 */
export function cloudflareApiSplit(budget: CloudflareApiBudget, tenants: Limited[]): CloudflareApiSplit {
  const { total, unset } = setShares(tenants, "cloudflareApiPer5Minutes");
  const left = budget.per5Minutes - PROBE_CLOUDFLARE_API_PER_5_MINUTES - total;
  const wanted = Math.max(
    REFRESH_MIN_CLOUDFLARE_API_PER_5_MINUTES,
    Math.ceil((budget.liveInputs * FIVE_MINUTES_MS) / REFRESH_TARGET_MS),
  );
  const half = Math.ceil((left - unset) / 2);
  const sweep = Math.max(
    0,
    Math.min(left - unset, Math.max(REFRESH_MIN_CLOUDFLARE_API_PER_5_MINUTES, Math.min(half, wanted))),
  );
  const equalPart = Math.max(1, Math.floor((left - sweep) / Math.max(1, unset)));
  return {
    probe: PROBE_CLOUDFLARE_API_PER_5_MINUTES,
    refresh: Math.max(sweep, left - equalPart * unset),
    equalPart,
  };
}

/**
 * Each tenant's shares: what it sets, else an equal part of what is left (of the API budget, once
 * the tenants that set theirs, the probes and the sweep have theirs; of Cloudflare's TURN issuance,
 * once the tenants that set theirs have). So that, all together, the Worker never asks for more
 * than the budget of the one credential they share.
 */
export function upstreamShares(
  tenants: Record<string, Limited>,
  budget: CloudflareApiBudget,
): Map<string, UpstreamShares> {
  const entries = Object.entries(tenants);
  const api = cloudflareApiSplit(budget, Object.values(tenants));
  const turn = setShares(Object.values(tenants), "turnCredentialsPerSecond");
  const turnPart = turnShareOf(UPSTREAM_LIMITS.turnCredentialsPerSecond - turn.total, turn.unset);
  return new Map(
    entries.map(([id, { limits }]) => [
      id,
      {
        cloudflareApiPer5Minutes: limits?.cloudflareApiPer5Minutes ?? api.equalPart,
        turnCredentialsPerSecond: limits?.turnCredentialsPerSecond ?? turnPart,
        sfuCallsPerSessionPerSecond:
          limits?.sfuCallsPerSessionPerSecond ?? UPSTREAM_LIMITS.sfuCallsPerSessionPerSecond,
      },
    ]),
  );
}

/**
 * Why these tenants' shares cannot all be honoured: a split budget whose settings, plus the least
 * share for each tenant that leaves its share to the default, exceed what there is for tenants.
 */
export function oversubscribedBudgets(
  limits: Partial<TenantLimits>[],
  budget: CloudflareApiBudget,
): string[] {
  const tenants = limits.map((l) => ({ limits: l }));
  const asked = (name: "cloudflareApiPer5Minutes" | "turnCredentialsPerSecond", least: number) => {
    const { total, unset } = setShares(tenants, name);
    return total + unset * least;
  };
  const problems: string[] = [];
  const forTenants =
    budget.per5Minutes - PROBE_CLOUDFLARE_API_PER_5_MINUTES - REFRESH_MIN_CLOUDFLARE_API_PER_5_MINUTES;
  const api = asked("cloudflareApiPer5Minutes", 1);
  if (api > forTenants) {
    problems.push(
      `limits.cloudflareApiPer5Minutes: the tenants ask for ${api} (counting 1 for each tenant without a setting), ` +
        `more than the ${forTenants} the Worker's budget leaves them (worker.cloudflareApiPer5Minutes ` +
        `${budget.per5Minutes}, less the probes' ${PROBE_CLOUDFLARE_API_PER_5_MINUTES} and the status sweep's ` +
        `least ${REFRESH_MIN_CLOUDFLARE_API_PER_5_MINUTES})`,
    );
  }
  const turn = asked("turnCredentialsPerSecond", TURN_LEAST_PER_MINUTE / 60);
  if (turn > UPSTREAM_LIMITS.turnCredentialsPerSecond) {
    problems.push(
      `limits.turnCredentialsPerSecond: the tenants ask for ${Number(turn.toFixed(2))} a second ` +
        `(counting ${TURN_LEAST_PER_MINUTE} a minute for each tenant without a setting), ` +
        `more than the ${UPSTREAM_LIMITS.turnCredentialsPerSecond} Cloudflare allows the one credential they share`,
    );
  }
  return problems;
}
