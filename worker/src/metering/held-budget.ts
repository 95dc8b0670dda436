import type { Budget, LeaseAsk, LeaseGrant, Settlement } from "./ledger.ts";

interface HeldLease {
  id: string;
  units: number;
  left: number;
  /** When this isolate asked for it, by its own clock: what spent units' offsets count from. */
  askedAt: number;
  /**
   * The end of its life, counted from the ask: the ledger counted from the grant, which came
   * later, so this isolate stops spending it no later than the ledger expects, whatever the clocks say.
   */
  endsAt: number;
  /** Spent units by offset from `askedAt`, in ms. */
  spent: Map<number, number>;
}

/** Units asked for at first, then doubled each time a lease runs out before its end. */
const FIRST_WANT = 2;

/**
 * The leases one isolate holds for one budget of one tenant, spent synchronously on the hot path.
 * A lease ends when it runs out or reaches its end; its settlement goes to `ended`, for the
 * tenant's next ask to carry back to the ledger.
 */
export class HeldBudget {
  /** Live leases, the one that ends first first. */
  private leases: HeldLease[] = [];
  private want = FIRST_WANT;
  /** Until when the ledger said no unit is free, while this isolate holds none either. */
  private spentUntil = 0;
  /** Until when not to ask ahead again: an ask made while units were still held was refused. */
  private askAheadAfter = 0;
  /** Units of the last lease granted. */
  private lastUnits = 0;
  /** Set by spending down to half of the last lease, cleared by the ledger's next answer. */
  private runningLow = false;
  /** Requests of this isolate waiting for a unit. */
  waiting = 0;

  constructor(
    readonly budget: Budget,
    private readonly ended: Settlement[],
  ) {}

  /** Units this isolate may spend now. */
  available(nowMs: number): number {
    this.endPast(nowMs);
    return this.leases.reduce((sum, lease) => sum + lease.left, 0);
  }

  /** Ends the leases past their end, queueing their settlements. */
  endPast(nowMs: number): void {
    for (const lease of this.leases.filter((l) => l.endsAt <= nowMs)) this.end(lease);
  }

  /** With none held: how long until the ledger, which refused the last ask, may have a unit again; else 0. */
  refusedForMs(nowMs: number): number {
    return Math.max(0, this.spentUntil - nowMs);
  }

  /** Spends one unit, of the lease that ends first. Only when `available` is at least 1. */
  spend(nowMs: number): void {
    const lease = this.leases.find((l) => l.left > 0)!;
    lease.left -= 1;
    const offset = Math.max(0, nowMs - lease.askedAt);
    lease.spent.set(offset, (lease.spent.get(offset) ?? 0) + 1);
    if (lease.left === 0) this.end(lease);
    this.runningLow ||= this.available(nowMs) <= this.lastUnits / 2;
  }

  /** Whether to ask ahead: at most half of the last lease's units are left, so it is refilled before it runs dry. */
  wantsMore(nowMs: number): boolean {
    return this.runningLow && nowMs >= this.askAheadAfter && nowMs >= this.spentUntil;
  }

  /** Whether dropping this holder loses nothing: no live lease, no waiter. */
  isIdle(nowMs: number): boolean {
    this.endPast(nowMs);
    return this.waiting === 0 && this.leases.length === 0;
  }

  ask(): LeaseAsk {
    return { budget: this.budget, want: Math.max(this.want, this.waiting) };
  }

  /** Takes in the ledger's answer to an ask made at `askedAt`. */
  receive(grant: LeaseGrant, askedAt: number, nowMs: number): void {
    this.runningLow = false;
    if ("id" in grant) {
      this.lastUnits = grant.units;
      const endsAt = askedAt + grant.ttlMs;
      const lease = {
        id: grant.id,
        units: grant.units,
        left: grant.units,
        askedAt,
        endsAt,
        spent: new Map(),
      };
      this.leases.push(lease);
      this.leases.sort((a, b) => a.endsAt - b.endsAt);
      this.spentUntil = 0;
    } else if (this.available(nowMs) === 0) {
      this.spentUntil = nowMs + grant.retryAfterMs;
    } else {
      this.askAheadAfter = nowMs + grant.retryAfterMs;
    }
  }

  /** A lease run out or past its end: its settlement is queued, and the next ask sized by how it went. */
  private end(lease: HeldLease): void {
    this.leases.splice(this.leases.indexOf(lease), 1);
    this.ended.push({ id: lease.id, spent: [...lease.spent] });
    const spent = lease.units - lease.left;
    this.want = lease.left === 0 ? lease.units * 2 : Math.max(1, spent);
  }
}
