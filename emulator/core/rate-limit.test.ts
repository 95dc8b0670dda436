import { describe, expect, it } from "vitest";
import { RateLimiter } from "./rate-limit.ts";

const START = Date.parse("2026-12-01T10:00:00Z");

/** A limiter of `requests` per `windowSeconds` on a clock the test moves. */
function limiter(requests: number, windowSeconds: number) {
  const clock = { now: START };
  return {
    clock,
    limiter: new RateLimiter(
      () => ({ requests, windowSeconds }),
      () => clock.now,
    ),
  };
}

const takeMany = (l: RateLimiter, key: string, n: number) => Array.from({ length: n }, () => l.take(key));

describe("RateLimiter", () => {
  it("counts down the window, then blocks for a whole window from the request that exceeded it", () => {
    const { clock, limiter: l } = limiter(3, 300);
    expect(takeMany(l, "t", 3).map((v) => [v.allowed, v.remaining, v.resetSeconds])).toEqual([
      [true, 2, 300],
      [true, 1, 300],
      [true, 0, 300],
    ]);
    clock.now += 200_000;
    // The window ends 100 s from now; the block runs 300 s from this request.
    expect(l.take("t")).toEqual({ allowed: false, remaining: 0, resetSeconds: 300 });
    clock.now += 100_000;
    expect(l.take("t")).toEqual({ allowed: false, remaining: 0, resetSeconds: 200 });
    clock.now += 199_500;
    expect(l.take("t")).toEqual({ allowed: false, remaining: 0, resetSeconds: 1 });
    clock.now += 500;
    expect(l.take("t")).toEqual({ allowed: true, remaining: 2, resetSeconds: 300 });
  });

  it("does not extend a block for the calls made during it", () => {
    const { clock, limiter: l } = limiter(1, 60);
    l.take("t");
    l.take("t");
    for (let i = 0; i < 59; i++) {
      clock.now += 1000;
      expect(l.take("t").allowed).toBe(false);
    }
    clock.now += 1000;
    expect(l.take("t").allowed).toBe(true);
  });

  it("keeps each token's budget, block and counters apart", () => {
    const { clock, limiter: l } = limiter(2, 300);
    takeMany(l, "busy", 3);
    clock.now += 1000;
    expect(l.take("quiet").allowed).toBe(true);
    expect(l.counters()).toEqual([
      {
        tokenId: "busy",
        windowRequests: 0,
        peakWindowRequests: 3,
        refusals: 1,
        blockedUntil: new Date(START + 300_000).toISOString(),
      },
      { tokenId: "quiet", windowRequests: 1, peakWindowRequests: 1, refusals: 0, blockedUntil: null },
    ]);
  });

  it("reports the most calls in any sliding window, across the fixed windows it spans", () => {
    const { clock, limiter: l } = limiter(100, 300);
    l.take("t");
    clock.now += 299_000;
    takeMany(l, "t", 99);
    // A fresh fixed window opens at 300 s, so these 100 are accepted too; the first call has just
    // left the sliding 5 minutes, which now hold 199.
    clock.now += 1000;
    takeMany(l, "t", 100);
    expect(l.counters()[0]).toMatchObject({ windowRequests: 100, peakWindowRequests: 199, refusals: 0 });
  });

  it("forgets everything on reset", () => {
    const { limiter: l } = limiter(1, 300);
    takeMany(l, "t", 2);
    l.reset();
    expect(l.counters()).toEqual([]);
    expect(l.take("t").allowed).toBe(true);
  });
});
