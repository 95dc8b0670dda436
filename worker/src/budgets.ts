import type { UpstreamShares } from "#contracts/worker/upstream-shares.ts";
import { ApiError } from "./api-error.ts";
import type { Budget, TakeResult } from "./metering/ledger.ts";
import type { Tenant } from "./tenants.ts";

const SECOND_MS = 1_000;
const MINUTE_MS = 60_000;

/** The budgets a call is counted against, in the tenant's own ledger (keys are per tenant). */
export const BUDGETS = {
  credentials: (tenant: Tenant): Budget => ({
    key: "credentials",
    limit: tenant.limits.credentialsPerMinute,
    windowMs: MINUTE_MS,
  }),
  /**
   * An abuse limit with a key per user: too many keys, each used too rarely, to lease. Counted in
   * each isolate on its own, so a user served by several isolates at once may mint the limit in
   * each; the tenant's own limit and shares, which are leased, still bound them all.
   */
  userCredentials: (tenant: Tenant, userId: string): Budget => ({
    key: `user:${userId}`,
    limit: tenant.limits.credentialsPerUserPerMinute,
    windowMs: MINUTE_MS,
    perIsolate: true,
  }),
  cloudflareApi: (shares: UpstreamShares): Budget => ({
    key: "cloudflare-api",
    limit: shares.cloudflareApiPer5Minutes,
    windowMs: 5 * MINUTE_MS,
  }),
  /** Per second for a share of whole credentials a second, else per minute (contracts/worker/upstream-shares.ts). */
  turn: ({ turnCredentialsPerSecond: perSecond }: UpstreamShares): Budget =>
    perSecond >= 1
      ? { key: "turn", limit: Math.floor(perSecond), windowMs: SECOND_MS }
      : { key: "turn", limit: Math.round(perSecond * 60), windowMs: MINUTE_MS },
  sfuSession: (shares: UpstreamShares, sessionId: string): Budget => ({
    key: `session:${sessionId}`,
    limit: shares.sfuCallsPerSessionPerSecond,
    windowMs: SECOND_MS,
  }),
};

/** A spent budget, as a caller sees it: what ran out, for whom, and when to come back. */
export interface Refusal {
  scope: "tenant" | "user" | "session";
  budget: "credentials" | "cloudflare_api" | "turn" | "sfu_session";
  retryAfterSeconds: number;
}

const MESSAGES: Record<Refusal["budget"], Partial<Record<Refusal["scope"], string>>> = {
  credentials: {
    tenant: "Too many credentials minted for this tenant",
    user: "Too many credentials minted for this user",
  },
  cloudflare_api: { tenant: "This tenant's share of the Cloudflare API budget is spent" },
  turn: { tenant: "This tenant's share of TURN credential issuance is spent" },
  sfu_session: { session: "This session's share of Realtime API calls is spent" },
};

/** Each budget by its key's first part: whose it is and what it meters. */
const KINDS: Record<string, Omit<Refusal, "retryAfterSeconds">> = {
  credentials: { scope: "tenant", budget: "credentials" },
  user: { scope: "user", budget: "credentials" },
  "cloudflare-api": { scope: "tenant", budget: "cloudflare_api" },
  turn: { scope: "tenant", budget: "turn" },
  session: { scope: "session", budget: "sfu_session" },
};

/** What a refused take ran out of. */
export function refusalOf(result: Extract<TakeResult, { allowed: false }>): Refusal {
  return { ...KINDS[result.key.split(":")[0]!]!, retryAfterSeconds: result.retryAfterSeconds };
}

/** 429 with Retry-After, before anything was sent upstream. */
export function refusalError(refusal: Refusal): ApiError {
  const { scope, budget, retryAfterSeconds } = refusal;
  return new ApiError("rate_limited", `${MESSAGES[budget][scope]}; retry in ${retryAfterSeconds} s`, {
    headers: { "retry-after": String(retryAfterSeconds) },
    details: { scope, budget, retry_after: retryAfterSeconds },
  });
}
