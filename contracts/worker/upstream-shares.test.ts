import { describe, expect, it } from "vitest";
import { UPSTREAM_LIMITS } from "../cloudflare/limits.ts";
import type { TenantLimits } from "./bindings.ts";
import {
  oversubscribedBudgets,
  PROBE_CLOUDFLARE_API_PER_5_MINUTES,
  upstreamShares,
} from "./upstream-shares.ts";

const limits = (extra: Partial<TenantLimits> = {}): { limits: TenantLimits } => ({
  limits: { credentialsPerMinute: 600, credentialsPerUserPerMinute: 30, ...extra },
});

describe("upstream shares", () => {
  it("split Cloudflare's limits equally between tenants that set nothing, less the probes' reserve", () => {
    const shares = upstreamShares({ a: limits(), b: limits(), c: limits() });
    expect(PROBE_CLOUDFLARE_API_PER_5_MINUTES).toBe(60);
    expect(shares.get("b")).toEqual({
      cloudflareApiPer5Minutes: 380,
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
    expect(shares.get("a")?.cloudflareApiPer5Minutes).toBe(70);
    const total = [...shares.values()].reduce((sum, s) => sum + s.cloudflareApiPer5Minutes, 0);
    expect(total + PROBE_CLOUDFLARE_API_PER_5_MINUTES).toBeLessThanOrEqual(
      UPSTREAM_LIMITS.cloudflareApiPer5Minutes,
    );
    expect(oversubscribedBudgets(Object.values(tenants).map((t) => t.limits))).toEqual([]);
  });

  it("name every budget the settings oversubscribe", () => {
    const problems = oversubscribedBudgets([
      limits({ cloudflareApiPer5Minutes: 1_140 }).limits,
      limits({ turnCredentialsPerSecond: 500 }).limits,
    ]);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain("limits.cloudflareApiPer5Minutes: the tenants ask for 1141");
    expect(problems[0]).toContain("(1200 less the probes' 60)");
    expect(problems[1]).toContain("limits.turnCredentialsPerSecond: the tenants ask for 501");
  });
});
