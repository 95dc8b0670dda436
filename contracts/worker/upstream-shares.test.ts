import { describe, expect, it } from "vitest";
import { UPSTREAM_LIMITS } from "../cloudflare/limits.ts";
import type { TenantLimits } from "./bindings.ts";
import { oversubscribedBudgets, upstreamShares } from "./upstream-shares.ts";

const limits = (extra: Partial<TenantLimits> = {}): { limits: TenantLimits } => ({
  limits: { credentialsPerMinute: 600, credentialsPerUserPerMinute: 30, ...extra },
});

describe("upstream shares", () => {
  it("split Cloudflare's limits equally between tenants that set nothing", () => {
    const shares = upstreamShares({ a: limits(), b: limits(), c: limits() });
    expect(shares.get("b")).toEqual({
      cloudflareApiPer5Minutes: 400,
      turnCredentialsPerSecond: 166,
      sfuCallsPerSessionPerSecond: UPSTREAM_LIMITS.sfuCallsPerSessionPerSecond,
    });
  });

  it("give a tenant what it sets, and the others equal parts of what is left, never together more", () => {
    const tenants = {
      big: limits({ cloudflareApiPer5Minutes: 1_000, sfuCallsPerSessionPerSecond: 10 }),
      a: limits(),
      b: limits(),
    };
    const shares = upstreamShares(tenants);
    expect(shares.get("big")).toMatchObject({
      cloudflareApiPer5Minutes: 1_000,
      sfuCallsPerSessionPerSecond: 10,
    });
    expect(shares.get("a")?.cloudflareApiPer5Minutes).toBe(100);
    const total = [...shares.values()].reduce((sum, s) => sum + s.cloudflareApiPer5Minutes, 0);
    expect(total).toBeLessThanOrEqual(UPSTREAM_LIMITS.cloudflareApiPer5Minutes);
    expect(oversubscribedBudgets(Object.values(tenants).map((t) => t.limits))).toEqual([]);
  });

  it("name every budget the settings oversubscribe", () => {
    const problems = oversubscribedBudgets([
      limits({ cloudflareApiPer5Minutes: 1_200 }).limits,
      limits({ turnCredentialsPerSecond: 500 }).limits,
    ]);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain("limits.cloudflareApiPer5Minutes: the tenants ask for 1201");
    expect(problems[1]).toContain("limits.turnCredentialsPerSecond: the tenants ask for 501");
  });
});
