import { describe, expect, it } from "vitest";
import { UPSTREAM_LIMITS } from "../cloudflare/limits.ts";
import type { TenantLimits } from "./tenant-map.ts";
import {
  cloudflareApiSplit,
  oversubscribedBudgets,
  PROBE_CLOUDFLARE_API_PER_5_MINUTES,
  REFRESH_MIN_CLOUDFLARE_API_PER_5_MINUTES,
  upstreamShares,
} from "./upstream-shares.ts";

const limits = (extra: Partial<TenantLimits> = {}): { limits: TenantLimits } => ({
  limits: { credentialsPerMinute: 600, credentialsPerUserPerMinute: 30, ...extra },
});
const budget = (per5Minutes: number, liveInputs: number) => ({ per5Minutes, liveInputs });

describe("upstream shares", () => {
  it("split the Worker's API budget between the probes, the status sweep and the tenants", () => {
    const shares = upstreamShares({ a: limits(), b: limits(), c: limits() }, budget(1_140, 9));
    expect(PROBE_CLOUDFLARE_API_PER_5_MINUTES).toBe(60);
    // Nine live inputs want three reads per 5 minutes to be read every 15: the sweep gets its least,
    // 20, and the 1 that rounding the tenants' equal parts down leaves.
    expect(REFRESH_MIN_CLOUDFLARE_API_PER_5_MINUTES).toBe(20);
    expect(cloudflareApiSplit(budget(1_140, 9), [{}, {}, {}])).toEqual({
      probe: 60,
      refresh: 21,
      equalPart: 353,
    });
    expect(shares.get("b")).toEqual({
      cloudflareApiPer5Minutes: 353,
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
    const api = budget(1_200, 30);
    const shares = upstreamShares(tenants, api);
    expect(shares.get("big")).toMatchObject({
      cloudflareApiPer5Minutes: 1_000,
      sfuCallsPerSessionPerSecond: 10,
    });
    expect(shares.get("a")?.cloudflareApiPer5Minutes).toBe(60);
    const { probe, refresh } = cloudflareApiSplit(api, Object.values(tenants));
    const total = [...shares.values()].reduce((sum, s) => sum + s.cloudflareApiPer5Minutes, 0);
    expect(total + probe + refresh).toBeLessThanOrEqual(api.per5Minutes);
    expect(
      oversubscribedBudgets(
        Object.values(tenants).map((t) => t.limits),
        api,
      ),
    ).toEqual([]);
  });

  it("hold 1,000 tenants of 3 channels within the default budget, the sweep keeping what they leave", () => {
    const tenants = Object.fromEntries(Array.from({ length: 1_000 }, (_, i) => [`t${i}`, {}]));
    const api = budget(1_140, 3_000);
    const split = cloudflareApiSplit(api, Object.values(tenants));
    expect(split).toEqual({ probe: 60, refresh: 80, equalPart: 1 });
    const total = [...upstreamShares(tenants, api).values()].reduce(
      (sum, s) => sum + s.cloudflareApiPer5Minutes,
      0,
    );
    expect(total + split.probe + split.refresh).toBe(api.per5Minutes);
    // TURN issuance splits too: 500 a second over 1,000 tenants is 30 a minute each.
    expect(upstreamShares(tenants, api).get("t999")?.turnCredentialsPerSecond).toBe(0.5);
    expect(
      oversubscribedBudgets(
        Object.values(tenants).map(() => ({})),
        api,
      ),
    ).toEqual([]);
  });

  it("meter TURN per minute past 500 tenants, never more than 500 a second on average", () => {
    for (const count of [499, 500, 501, 700, 10_000]) {
      const tenants = Object.fromEntries(Array.from({ length: count }, (_, i) => [`t${i}`, {}]));
      const shares = [...upstreamShares(tenants, budget(1_140, 3)).values()];
      const perSecond = shares[0]!.turnCredentialsPerSecond;
      // Whole credentials a second, else whole credentials a minute.
      expect(perSecond >= 1 ? Number.isInteger(perSecond) : Number.isInteger(perSecond * 60)).toBe(true);
      expect(perSecond * count).toBeLessThanOrEqual(500);
    }
  });

  it("refuse more tenants than TURN issuance has 1 a minute for", () => {
    const problems = oversubscribedBudgets(Array(30_001).fill({}), budget(1_000_000, 3));
    expect(problems).toEqual([
      expect.stringContaining("limits.turnCredentialsPerSecond: the tenants ask for 500.02 a second"),
    ]);
  });

  it("give the sweep half of what every tenant's 1 leaves, up to what it needs, and the tenants the rest", () => {
    // 300 live inputs want 100 per 5 minutes (each read every 15): the sweep gets them, the 100
    // tenants 9 each, and the sweep what rounding leaves.
    expect(cloudflareApiSplit(budget(1_140, 300), Array(100).fill({}))).toEqual({
      probe: 60,
      refresh: 180,
      equalPart: 9,
    });
    // 3,000 live inputs want 1,000: the sweep gets half of the 980 the tenants' minimum leaves.
    expect(cloudflareApiSplit(budget(1_140, 3_000), Array(100).fill({}))).toEqual({
      probe: 60,
      refresh: 580,
      equalPart: 5,
    });
  });

  it("name every budget the settings oversubscribe", () => {
    const problems = oversubscribedBudgets(
      [limits({ cloudflareApiPer5Minutes: 1_120 }).limits, limits({ turnCredentialsPerSecond: 500 }).limits],
      budget(1_200, 2),
    );
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain("limits.cloudflareApiPer5Minutes: the tenants ask for 1121");
    expect(problems[0]).toContain("more than the 1120 the Worker's budget leaves them");
    expect(problems[1]).toContain("limits.turnCredentialsPerSecond: the tenants ask for 500.02 a second");
  });

  it("refuse more tenants than the budget has calls for, each needing at least one", () => {
    const tenants = Array(1_100).fill({});
    expect(oversubscribedBudgets(tenants, budget(1_140, 3_300))[0]).toContain(
      "the tenants ask for 1100 (counting 1 for each tenant without a setting), more than the 1060",
    );
  });
});
