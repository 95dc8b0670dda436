import { describe, expect, it } from "vitest";
import { type Budget, BudgetLedger, type LeaseAsk, type Settlement } from "./ledger.ts";
import { Meter } from "./meter.ts";

/**
 * Isolates in several places burst against one tenant's ledger, in simulated time: each isolate
 * has its own clock (seconds off the ledger's), each message to the ledger its own one-way delay,
 * and now and then an isolate goes away holding leases it never settles. Every admitted call is
 * logged at the true time it was admitted; no span of a budget's window may hold more than its limit.
 */
const TURN: Budget = { key: "turn", limit: 5, windowMs: 1_000 };
const CREDENTIALS: Budget = { key: "credentials", limit: 120, windowMs: 60_000 };
const SESSION: Budget = { key: "session:s", limit: 10, windowMs: 1_000 };

/** A small seeded generator (mulberry32), so that every run replays the same burst. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface Event {
  at: number;
  seq: number;
  run: () => void;
}

async function simulate(seed: number, seconds: number, callsPerSecond: number, kinds: Budget[][]) {
  const rand = random(seed);
  const ledger = new BudgetLedger();
  let now = 50_000_000;
  let seq = 0;
  const events: Event[] = [];
  const schedule = (at: number, run: () => void) => {
    const event = { at, seq: seq++, run };
    const i = events.findIndex((e) => e.at > at);
    events.splice(i === -1 ? events.length : i, 0, event);
  };
  const delay = () => 5 + rand() * 145;
  const bank = {
    lease: (_tenantId: string, asks: LeaseAsk[], settlements: Settlement[]) =>
      new Promise<ReturnType<BudgetLedger["lease"]>>((resolve) => {
        const [sent, received] = [structuredClone(asks), structuredClone(settlements)];
        schedule(now + delay(), () => {
          const grants = structuredClone(ledger.lease(sent, received, now));
          schedule(now + delay(), () => resolve(grants));
        });
      }),
  };
  const isolate = () => {
    const skew = (rand() - 0.5) * 6_000;
    return { meter: new Meter(bank, () => now + skew), alive: true };
  };
  const isolates = Array.from({ length: 6 }, isolate);
  const admitted = new Map<string, number[]>();
  let refused = 0;
  const start = now;
  for (let t = start; t < start + seconds * 1_000; t += (-Math.log(1 - rand()) * 1_000) / callsPerSecond) {
    const slot = Math.floor(rand() * isolates.length);
    const budgets = kinds[Math.floor(rand() * kinds.length)]!;
    schedule(t, () => {
      const target = isolates[slot]!;
      void target.meter
        .take("tenant", budgets, () => {})
        .then((result) => {
          if (!target.alive) return; // an isolate gone answers no one
          if (!result.allowed) refused += 1;
          else for (const b of budgets) admitted.set(b.key, [...(admitted.get(b.key) ?? []), now]);
        });
    });
  }
  for (let t = start + 2_000; t < start + seconds * 1_000; t += 2_000 + rand() * 3_000) {
    schedule(t, () => {
      const slot = Math.floor(rand() * isolates.length);
      isolates[slot]!.alive = false;
      isolates[slot] = isolate();
    });
  }
  while (events.length > 0) {
    const event = events.shift()!;
    now = event.at;
    event.run();
    for (let i = 0; i < 20; i++) await null;
  }
  return { admitted, refused };
}

/** The most calls any span of `windowMs` holds. */
function busiestWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describe("a burst across isolates", () => {
  it("never lets more than a budget's limit into any span of its window, whatever the clocks, delays and lost leases", async () => {
    for (const seed of [1, 2, 3]) {
      const { admitted, refused } = await simulate(seed, 20, 90, [
        [CREDENTIALS, TURN],
        [CREDENTIALS],
        [TURN],
        [SESSION],
      ]);
      expect(refused).toBeGreaterThan(0);
      for (const budget of [TURN, CREDENTIALS, SESSION]) {
        const times = admitted.get(budget.key) ?? [];
        expect(busiestWindow(times, budget.windowMs), `${budget.key}, seed ${seed}`).toBeLessThanOrEqual(
          budget.limit,
        );
      }
      // The burst is held to the limits, not refused outright: most of the minute's credentials
      // are used, and TURN and the session get a fair part of theirs a second over the 20 s.
      expect(admitted.get(CREDENTIALS.key)?.length).toBeGreaterThanOrEqual(CREDENTIALS.limit * 0.75);
      expect(admitted.get(TURN.key)?.length).toBeGreaterThanOrEqual(TURN.limit * 20 * 0.3);
      expect(admitted.get(SESSION.key)?.length).toBeGreaterThanOrEqual(SESSION.limit * 20 * 0.3);
    }
  });
});
