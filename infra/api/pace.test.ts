import fc from "fast-check";
import { describe, expect, it, onTestFinished } from "vitest";
import { ApiPace, CALLS_PER_SECOND, DEFAULT_QUOTA, type PaceClock, processPace } from "./pace.ts";
import { readRateLimitHeaders } from "./rate-limit-headers.ts";

/** Virtual time: a sleep moves the clock on at once, so that five minutes of pacing take no time. */
function virtualClock(start = 1_000_000): PaceClock & { t: number } {
  const clock = {
    t: start,
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.t += ms;
    },
  };
  return clock;
}

/** The largest number of starts in any span of `windowMs` (a span [s, s + windowMs) beginning at a start). */
function busiestWindow(starts: number[], windowMs: number): number {
  let most = 0;
  for (let i = 0, j = 0; i < starts.length; i += 1) {
    while (j < starts.length && starts[j]! < starts[i]! + windowMs) j += 1;
    most = Math.max(most, j - i);
  }
  return most;
}

describe("the API pace", () => {
  it("never lets a 5-minute span hold more than its share of 1,200, nor a second more than 100, whatever the arrivals", async () => {
    await fc.assert(
      fc.asyncProperty(
        // Shares from one call per window to the whole quota, weighted towards the small ones that fill.
        fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 1_200 })).map((n) => n / 1_200),
        // Bursts and lulls: gaps from nothing to over a window, up to 3,000 calls.
        fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2_000 }), fc.integer({ max: 400_000 })), {
          minLength: 1,
          maxLength: 3_000,
          size: "max",
        }),
        async (share, gaps) => {
          const clock = virtualClock();
          const pace = new ApiPace(share, clock);
          const starts: number[] = [];
          let arrival = clock.t;
          for (const gap of gaps) {
            arrival += Math.max(0, gap);
            clock.t = Math.max(clock.t, arrival);
            await pace.acquire();
            starts.push(clock.t);
          }
          const limit = Math.max(1, Math.floor(DEFAULT_QUOTA.requests * share));
          expect(busiestWindow(starts, DEFAULT_QUOTA.windowMs)).toBeLessThanOrEqual(limit);
          expect(busiestWindow(starts, 1_000)).toBeLessThanOrEqual(CALLS_PER_SECOND);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("lets a burst up to the share through at 100 a second, then one call per call that leaves the window", async () => {
    const clock = virtualClock(0);
    const pace = new ApiPace(0.5, clock);
    const starts: number[] = [];
    for (let i = 0; i < 600; i += 1) {
      await pace.acquire();
      starts.push(clock.t);
    }
    // Cloudflare's 200 per second per IP: the 600 go in six seconds, a hundred in each.
    expect(starts.slice(0, 100).every((t) => t === 0)).toBe(true);
    expect([starts[100], starts[599]]).toEqual([1_000, 5_000]);
    await pace.acquire();
    expect(clock.t).toBe(300_000);
  });

  it("serves waiting calls in the order they came, each once", async () => {
    const clock = virtualClock(0);
    const pace = new ApiPace(2 / 1_200, clock);
    const order: number[] = [];
    await Promise.all([1, 2, 3, 4, 5].map((n) => pace.acquire().then(() => order.push(n))));
    expect(order).toEqual([1, 2, 3, 4, 5]);
    // Two per window: the fifth starts in the third window.
    expect(clock.t).toBe(600_000);
  });

  it("holds every call until a 429's Retry-After has passed, and when the budget reads as spent", async () => {
    const clock = virtualClock(0);
    const pace = new ApiPace(0.5, clock);
    pace.observe(readRateLimitHeaders(new Headers({ "retry-after": "30" }), clock.t), 429);
    await pace.acquire();
    expect(clock.t).toBe(30_000);
    pace.observe(readRateLimitHeaders(new Headers({ ratelimit: '"default";r=0;t=45' }), clock.t), 200);
    await pace.acquire();
    expect(clock.t).toBe(75_000);
  });

  it("stops short of what the server says is left, whoever spent it: a new process after a busy one waits for the reset", async () => {
    const clock = virtualClock(0);
    // A token's fixed window as Cloudflare counts it: every call of every process, 1,200 per 5 minutes.
    let windowStart = 0;
    let counted = 0;
    let mostInAWindow = 0;
    const call = async (pace: ApiPace) => {
      await pace.acquire();
      if (clock.t - windowStart >= DEFAULT_QUOTA.windowMs) [windowStart, counted] = [clock.t, 0];
      counted += 1;
      mostInAWindow = Math.max(mostInAWindow, counted);
      const left = `"default";r=${DEFAULT_QUOTA.requests - counted};t=${(windowStart + DEFAULT_QUOTA.windowMs - clock.t) / 1000}`;
      pace.observe(readRateLimitHeaders(new Headers({ ratelimit: left }), clock.t), 200);
    };
    // The previous up's provider host spent its whole share; the next one starts with no history.
    const previous = new ApiPace(0.75, clock);
    for (let i = 0; i < 900; i += 1) await call(previous);
    const next = new ApiPace(0.75, clock);
    const started: number[] = [];
    for (let i = 0; i < 900; i += 1) {
      await call(next);
      started.push(clock.t);
    }
    // 900 + 240 = 1,140: the last 60 of the 1,200 stay for calls the server had not counted yet.
    expect(mostInAWindow).toBe(1_140);
    expect(started.filter((t) => t < DEFAULT_QUOTA.windowMs)).toHaveLength(240);
    expect(started[240]).toBe(DEFAULT_QUOTA.windowMs);
  });

  it("upgrades in place a process pace that an older copy of the provider code made, keeping the calls it counted", async () => {
    const clock = virtualClock(0);
    // A pace as a copy packed before the stub made it (behaviour 1): the same fields, less
    // `behaviour` and `server`, and a prototype with its own `acquire`, which knew no cap per second.
    const older = Object.assign(
      Object.create({ setShare: () => undefined, acquire: async () => undefined }),
      {
        starts: Array.from({ length: 700 }, () => clock.t - 10_000),
        head: 0,
        heldUntil: 0,
        queue: Promise.resolve(),
        quota: DEFAULT_QUOTA,
        share: 0.75,
        clock,
      },
    ) as ApiPace;
    const slot = globalThis as Record<symbol, unknown>;
    const key = Symbol.for("realtime-stack.api-pace.v1");
    const before = slot[key];
    slot[key] = older;
    onTestFinished(() => {
      slot[key] = before;
    });

    const pace = processPace(0.75);
    expect(pace).toBe(older);
    expect(pace).toBeInstanceOf(ApiPace);
    expect(pace.behaviour).toBe(2);
    // 200 of its share of 900 are left: 100 now, 100 a second later, as the cap per second says.
    for (let i = 0; i < 200; i += 1) await older.acquire();
    expect(clock.t).toBe(1_000);
    // Then the window is full, counting the 700 the older copy started.
    await older.acquire();
    expect(clock.t).toBe(-10_000 + DEFAULT_QUOTA.windowMs);
  });

  it("takes its share of the quota the policy header states", async () => {
    const pace = new ApiPace(0.25, virtualClock());
    expect(pace.limit).toBe(300);
    pace.observe(readRateLimitHeaders(new Headers({ "ratelimit-policy": '"default";q=4000;w=60' }), 0), 200);
    expect([pace.limit, pace.windowMs]).toEqual([1_000, 60_000]);
  });

  it("stops waiting when the caller gives up", async () => {
    const pace = new ApiPace(1 / 1_200);
    await pace.acquire();
    const gone = AbortSignal.abort(new Error("interrupted"));
    await expect(pace.acquire(gone)).rejects.toThrow("interrupted");
  });
});

describe("rate-limit headers", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  it("read Retry-After as seconds or as an HTTP date", () => {
    expect(readRateLimitHeaders(new Headers({ "retry-after": "12" }), now).retryAfterMs).toBe(12_000);
    expect(
      readRateLimitHeaders(new Headers({ "retry-after": "Thu, 01 Jan 2026 00:01:30 GMT" }), now).retryAfterMs,
    ).toBe(90_000);
    expect(readRateLimitHeaders(new Headers({ "retry-after": "soon" }), now)).toEqual({});
  });

  it("read the remaining budget from Ratelimit, or from the older x-ratelimit family", () => {
    expect(
      readRateLimitHeaders(
        new Headers({ ratelimit: '"default";r=17;t=42', "ratelimit-policy": '"default";q=1200;w=300' }),
        now,
      ),
    ).toEqual({ remaining: { calls: 17, resetMs: 42_000 }, quota: { requests: 1200, windowMs: 300_000 } });
    expect(
      readRateLimitHeaders(
        new Headers({ "x-ratelimit-remaining": "0", "x-ratelimit-reset": "Thu, 01 Jan 2026 00:00:20 GMT" }),
        now,
      ).remaining,
    ).toEqual({ calls: 0, resetMs: 20_000 });
  });
});
