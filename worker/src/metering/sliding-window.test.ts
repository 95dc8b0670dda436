import { describe, expect, it } from "vitest";
import { SlidingWindow } from "./sliding-window.ts";

describe("SlidingWindow", () => {
  it("admits up to the limit in any span of the window, and says when the next call may go", () => {
    const window = new SlidingWindow(60_000);
    const t0 = 6_000_000; // the start of a 3-second slot
    for (let i = 0; i < 3; i++) {
      expect(window.waitMs(3, t0 + i * 10_000)).toBe(0);
      window.count(t0 + i * 10_000);
    }
    // The first call leaves the window with its slot, 21 slots (63 s) after the slot began.
    expect(window.waitMs(3, t0 + 30_000)).toBe(33_000);
    expect(window.waitMs(3, t0 + 62_999)).toBe(1);
    expect(window.waitMs(3, t0 + 63_000)).toBe(0);
    // A lowered limit applies at once.
    expect(window.waitMs(1, t0 + 63_000)).toBe(18_000);
  });

  it("never lets more than the limit into any span of the window, wherever the calls fall", () => {
    const windowMs = 1_000;
    const window = new SlidingWindow(windowMs);
    const admitted: number[] = [];
    for (let t = 0; t < 10_000; t += 7 + (t % 13)) {
      if (window.waitMs(50, t) === 0) {
        window.count(t);
        admitted.push(t);
      }
    }
    for (const start of admitted) {
      expect(admitted.filter((t) => t >= start && t < start + windowMs).length).toBeLessThanOrEqual(50);
    }
    expect(admitted.length).toBeGreaterThan(400);
  });

  it("counts ahead of now: a count placed later weighs on every call until it leaves, and can be taken back", () => {
    const window = new SlidingWindow(1_000);
    const t0 = 100_000;
    window.count(t0 + 5_000, 3);
    window.count(t0, 1);
    expect(window.toJSON()).toEqual([
      { index: 2_000, count: 1 },
      { index: 2_100, count: 3 },
    ]);
    expect(window.used(t0)).toBe(4);
    // The later count leaves 21 slots after its own slot began: 1.05 s after t0 + 5 s.
    expect(window.waitMs(2, t0 + 2_000)).toBe(4_050);
    expect(window.used(t0 + 6_050)).toBe(0);
    const again = new SlidingWindow(1_000, [{ index: 2_100, count: 3 }]);
    expect(again.uncount(t0 + 5_000, 2, t0)).toBe(true);
    expect(again.used(t0)).toBe(1);
    // A slot that has left the window has nothing to take back.
    expect(again.uncount(t0 + 5_000, 1, t0 + 7_000)).toBe(false);
  });
});
