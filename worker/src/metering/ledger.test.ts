import { describe, expect, it } from "vitest";
import { BudgetLedger, type LeaseGrant } from "./ledger.ts";
import { SlidingWindow } from "./sliding-window.ts";

const MINUTE = { key: "credentials", limit: 20, windowMs: 60_000 };
const t0 = 6_000_000; // the start of a 3-second slot (a twentieth of the minute)

const ledger = () => {
  let n = 0;
  return new BudgetLedger(undefined, () => `lease-${++n}`);
};
const lease = (l: BudgetLedger, nowMs: number, want = 10) => {
  const grant: LeaseGrant | undefined = l.lease([{ budget: MINUTE, want }], [], nowMs)[0];
  if (!grant || !("id" in grant)) throw new Error(`expected a lease, got ${JSON.stringify(grant)}`);
  return grant;
};
/** How many units are free now: leased until the ledger refuses (which changes the ledger). */
const drain = (l: BudgetLedger, nowMs: number) => {
  let units = 0;
  for (;;) {
    const [grant] = l.lease([{ budget: MINUTE, want: 1_000 }], [], nowMs);
    if (!grant?.units) return units;
    units += grant.units;
  }
};

describe("BudgetLedger leases", () => {
  it("grants at most half the limit per lease and never more than is free, then says when a unit frees up", () => {
    const l = ledger();
    const first = lease(l, t0, 50);
    expect(first.units).toBe(10);
    // 10 units for their life stay within a tenth of 20 units × 60 s: 12 s.
    expect(first.ttlMs).toBe(12_000);
    expect(lease(l, t0, 50).units).toBe(10);
    // Unsettled, each lease's units are held at its end, and leave 21 slots (63 s) after that slot began.
    expect(l.lease([{ budget: MINUTE, want: 1 }], [], t0)).toEqual([
      { key: "credentials", units: 0, retryAfterMs: 12_000 + 63_000 },
    ]);
    expect(l.take([MINUTE], t0)).toEqual({ allowed: false, key: "credentials", retryAfterSeconds: 75 });
  });

  it("takes back at once what a settled lease did not spend, and counts what it spent from when it was spent", () => {
    const spent: [number, number][] = [
      [0, 2],
      [4_000, 1],
    ];
    const settled = (nowMs: number) => {
      const l = ledger();
      const { id } = lease(l, t0);
      expect(l.lease([], [{ id, spent }], t0 + 5_000)).toEqual([]);
      return drain(l, nowMs);
    };
    expect(settled(t0 + 5_000)).toBe(17);
    // The two spent at t0 leave the window 63 s on; the one spent 4 s later, in the next slot, 3 s after.
    expect(settled(t0 + 62_999)).toBe(17);
    expect(settled(t0 + 63_000)).toBe(19);
    expect(settled(t0 + 66_000)).toBe(20);
  });

  it("keeps an unsettled lease's units until its end has left the window: an isolate that went away returns them then", () => {
    const l = ledger();
    lease(l, t0);
    lease(l, t0);
    expect(l.lease([{ budget: MINUTE, want: 1 }], [], t0 + 74_999)[0]?.units).toBe(0);
    expect(drain(l, t0 + 75_000)).toBe(20);
  });

  it("counts a settlement as no more than the lease's units, between its grant and its end, and only once", () => {
    const l = ledger();
    const { id } = lease(l, t0);
    const settlement = {
      id,
      spent: [
        [-5_000, 4],
        [999_999, 4],
        [0, 9],
      ] as [number, number][],
    };
    l.lease([], [settlement, settlement], t0 + 1_000);
    // 4 at the grant, 4 at the lease's end (t0 + 12 s) and 2 more at the grant: 10, not 17, and not 20.
    expect(drain(l, t0 + 1_000)).toBe(10);
  });

  it("leaves the settlement of a lease it does not know (granted before an eviction) counted in full", () => {
    const restarted = ledger();
    // What the evicted object had persisted: a lease of 10 held at its end, t0 + 12 s (slot 2004).
    restarted.restore(MINUTE.key, new SlidingWindow(60_000, [{ index: 2_004, count: 10 }]));
    restarted.lease([], [{ id: "lease-1", spent: [] }], t0 + 1_000);
    expect(drain(restarted, t0 + 1_000)).toBe(10);
  });
});
