import { describe, expect, it } from "vitest";
import { chooseChannels, describeCoverage, parseChannelSelection } from "./channel-sample.ts";
import type { TargetTenant } from "./target.ts";

/** 1,000 tenants × 3 channels, as the goal's stack has them. */
const tenants: TargetTenant[] = Array.from({ length: 1_000 }, (_, t) => ({
  id: `t${t}`,
  key: "not-a-key",
  channels: ["main", "backstage", "studio"].map((name) => ({ name })),
}));
const labels = (chosen: ReturnType<typeof chooseChannels>["chosen"]) =>
  chosen.map((c) => `${c.tenant.id}/${c.channel.name}`);

describe("the channels smoke checks", () => {
  it("a sample keeps both ends of the tenant map and draws the rest, each channel once", () => {
    const { chosen, coverage } = chooseChannels(tenants, { kind: "sample", size: 25 });
    expect(coverage).toEqual({ checked: 25, total: 3_000, kind: "sample" });
    const picked = labels(chosen);
    expect(new Set(picked).size).toBe(25);
    expect(picked[0]).toBe("t0/main");
    expect(picked.at(-1)).toBe("t999/studio");
    // Random in between: another draw picks others.
    const again = labels(chooseChannels(tenants, { kind: "sample", size: 25 }).chosen);
    expect(again.slice(1, -1)).not.toEqual(picked.slice(1, -1));
  });

  it("draws uniformly between the ends", () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 48_271) % 2_147_483_647;
      return seed / 2_147_483_647;
    };
    const hits = new Map<string, number>();
    for (let run = 0; run < 400; run += 1) {
      for (const c of chooseChannels(tenants.slice(0, 10), { kind: "sample", size: 5 }, random).chosen) {
        const label = `${c.tenant.id}/${c.channel.name}`;
        hits.set(label, (hits.get(label) ?? 0) + 1);
      }
    }
    // 28 channels between the ends share 3 places per run: about 43 hits each.
    const middle = [...hits]
      .filter(([label]) => label !== "t0/main" && label !== "t9/studio")
      .map(([, n]) => n);
    expect(middle).toHaveLength(28);
    expect(Math.min(...middle)).toBeGreaterThan(20);
    expect(Math.max(...middle)).toBeLessThan(70);
  });

  it("a sample as large as the stack, and all, check every channel", () => {
    expect(chooseChannels(tenants.slice(0, 1), { kind: "sample", size: 25 }).coverage).toEqual({
      checked: 3,
      total: 3,
      kind: "sample",
    });
    expect(chooseChannels(tenants, { kind: "all" }).chosen).toHaveLength(3_000);
  });

  it("the summary says how many of how many, and how to check the rest", () => {
    expect(describeCoverage({ checked: 25, total: 3_000, kind: "sample" })).toBe(
      "Checked 25 of 3,000 channels (sample; --channels all checks every one, paced).",
    );
    expect(describeCoverage({ checked: 3, total: 3, kind: "sample" })).toBe("Checked 3 of 3 channels (all).");
    expect(
      describeCoverage({ checked: 3_000, total: 3_000, kind: "all" }, { limit: 240, windowMs: 300_000 }),
    ).toBe("Checked 3,000 of 3,000 channels (all, source reads paced at 240 per 5 minutes).");
  });

  it("reads --channels as all or sample:<n>, nothing else", () => {
    expect(parseChannelSelection("all")).toEqual({ kind: "all" });
    expect(parseChannelSelection("sample:40")).toEqual({ kind: "sample", size: 40 });
    for (const bad of ["sample:0", "sample:", "some", "sample:-1", "sample:123456"]) {
      expect(parseChannelSelection(bad)).toBeUndefined();
    }
  });
});
