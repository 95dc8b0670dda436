import { describe, expect, it } from "vitest";
import { BudgetLedger, type LeaseAsk, type LeaseGrant, type Settlement } from "./ledger.ts";
import { type Bank, Meter } from "./meter.ts";

const t0 = 6_000_000;
const CREDENTIALS = { key: "credentials", limit: 1_000, windowMs: 60_000 };
const TURN = { key: "turn", limit: 2, windowMs: 1_000 };
const USER = { key: "user:a", limit: 3, windowMs: 60_000, perIsolate: true };
const ignore = () => {};

/** A tenant's ledger behind a bank that counts the calls and answers when told to (or at once). */
function setup() {
  let now = t0;
  const ledger = new BudgetLedger();
  const waiting: (() => void)[] = [];
  const bank = {
    calls: 0,
    /** Answers wait for `deliver()` while true; while `unreachable`, they never come. */
    held: false,
    unreachable: false,
    lease(_tenantId: string, asks: LeaseAsk[], settlements: Settlement[]): Promise<LeaseGrant[]> {
      bank.calls += 1;
      if (bank.unreachable) return new Promise(() => {});
      // Through structuredClone, as over RPC: neither side keeps the other's objects.
      const answer = () =>
        structuredClone(ledger.lease(structuredClone(asks), structuredClone(settlements), now));
      if (!bank.held) return Promise.resolve(answer());
      return new Promise((resolve) => waiting.push(() => resolve(answer())));
    },
  } satisfies Bank & Record<string, unknown>;
  const deliver = async () => {
    for (const answer of waiting.splice(0)) answer();
    await settle();
  };
  const clock = {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
  return { ledger, bank, deliver, clock, meter: () => new Meter(bank, clock.now) };
}

/** Lets every ready continuation run: what a meter does between two requests. */
const settle = async () => {
  for (let i = 0; i < 20; i++) await null;
};
/** The take's result if it is already decided, without waiting on anything outside; else "waiting". */
async function decidedNow<T>(promise: Promise<T>): Promise<T | "waiting"> {
  let result: T | "waiting" = "waiting";
  void promise.then((r) => {
    result = r;
  });
  await settle();
  return result;
}

describe("Meter", () => {
  it("spends from a held lease without waiting on the ledger, and waits only when it holds none", async () => {
    const { bank, meter: newMeter } = setup();
    const meter = newMeter();
    for (let i = 0; i < 10; i++) expect((await meter.take("t", [CREDENTIALS], ignore)).allowed).toBe(true);
    const callsWarm = bank.calls;
    // The ledger becomes unreachable (a far region, a slow object): the held units still go on the spot.
    bank.unreachable = true;
    let answered = 0;
    for (;;) {
      const result = await decidedNow(meter.take("t", [CREDENTIALS], ignore));
      if (result === "waiting") break;
      expect(result.allowed).toBe(true);
      answered += 1;
    }
    expect(answered).toBeGreaterThanOrEqual(4);
    // One ask ahead went out and hangs; the take that finds nothing held waits on it, asking nothing more.
    expect(bank.calls - callsWarm).toBe(1);
  });

  it("asks ahead in the background, so that a caller at a steady pace never waits after the first call", async () => {
    const { bank, clock, deliver, meter: newMeter } = setup();
    const meter = newMeter();
    bank.held = true;
    const background: Promise<unknown>[] = [];
    let waited = 0;
    for (let i = 0; i < 500; i++) {
      const take = meter.take("t", [CREDENTIALS], (work) => background.push(work));
      if ((await decidedNow(take)) === "waiting") waited += 1;
      // The answer to an ask ahead arrives before the next call, 20 ms on.
      await deliver();
      expect((await take).allowed).toBe(true);
      clock.advance(20);
    }
    expect(waited).toBe(1);
    // Every ask is kept going in the background: other requests may wait on it.
    expect(background.length).toBe(bank.calls);
    expect(bank.calls).toBeLessThan(25);
  });

  it("counts a call against every budget or none, names the first one spent, and carries the ledger's retry time", async () => {
    const { bank, clock, meter: newMeter } = setup();
    const meter = newMeter();
    expect((await meter.take("t", [CREDENTIALS, TURN, USER], ignore)).allowed).toBe(true);
    expect((await meter.take("t", [CREDENTIALS, TURN, USER], ignore)).allowed).toBe(true);
    expect(await meter.take("t", [CREDENTIALS, TURN, USER], ignore)).toEqual({
      allowed: false,
      key: "turn",
      retryAfterSeconds: 2,
    });
    // The refusal is remembered until the ledger's retry time: no further ask.
    const calls = bank.calls;
    expect((await meter.take("t", [TURN], ignore)).allowed).toBe(false);
    expect(bank.calls).toBe(calls);
    // The refused call spent nothing of the user's 3 a minute: one is left.
    expect((await meter.take("t", [USER], ignore)).allowed).toBe(true);
    expect(await meter.take("t", [CREDENTIALS, USER, TURN], ignore)).toEqual({
      allowed: false,
      key: "user:a",
      retryAfterSeconds: 63,
    });
    clock.advance(1_100);
    expect((await meter.take("t", [CREDENTIALS, TURN], ignore)).allowed).toBe(true);
  });

  it("counts a per-isolate budget in each isolate alone, without asking the ledger", async () => {
    const { bank, meter: newMeter } = setup();
    const [one, two] = [newMeter(), newMeter()];
    for (const meter of [one, two]) {
      for (let i = 0; i < USER.limit; i++) expect((await meter.take("t", [USER], ignore)).allowed).toBe(true);
      expect((await meter.take("t", [USER], ignore)).allowed).toBe(false);
    }
    expect(bank.calls).toBe(0);
  });

  it("returns a lease's unspent units with its holder's next ask after it ends; a holder gone returns them when the lease leaves the window", async () => {
    const SMALL = { key: "credentials", limit: 4, windowMs: 60_000 };
    const run = async (holderStays: boolean) => {
      const { clock, meter: newMeter } = setup();
      const holder = newMeter();
      // Two leases of 2 (half the limit each): one unit spent, three held.
      expect((await holder.take("t", [SMALL], ignore)).allowed).toBe(true);
      await settle();
      expect((await newMeter().take("t", [SMALL], ignore)).allowed).toBe(false);
      // Both leases end 12 s after they were asked for (2 units × 12 s = a tenth of 4 units × 60 s).
      clock.advance(12_000);
      // The holder's next ask, for any budget of the tenant, carries its ended leases back.
      if (holderStays) expect((await holder.take("t", [TURN], ignore)).allowed).toBe(true);
      const newcomer = newMeter();
      let units = 0;
      while ((await newcomer.take("t", [SMALL], ignore)).allowed) units += 1;
      return units;
    };
    // Settled: the unit spent stays counted, the three others come back at once.
    expect(await run(true)).toBe(3);
    // Unsettled: all four stay counted until the leases' end has left the window.
    expect(await run(false)).toBe(0);
  });
});
