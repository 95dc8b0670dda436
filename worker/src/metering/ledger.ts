import { SLOTS, SlidingWindow } from "./sliding-window.ts";

/** A limit of `limit` calls in any `windowMs`, under `key`. */
export interface Budget {
  /** E.g. `credentials`, `user:<id>`, `session:<id>`: ids share the id pattern, so prefixes keep them apart. */
  key: string;
  limit: number;
  windowMs: number;
  /**
   * Counted by each isolate on its own instead of leased from the tenant's ledger: for an abuse
   * limit whose keys are too many and too short-lived to lease (one per user), see `Meter`.
   */
  perIsolate?: boolean;
}

export type TakeResult = { allowed: true } | { allowed: false; key: string; retryAfterSeconds: number };

/** An isolate's request for up to `want` units of a budget. */
export interface LeaseAsk {
  budget: Budget;
  want: number;
}

/** What the ledger granted: units to spend within `ttlMs` of the ask, or none and how long until one is free. */
export type LeaseGrant =
  | { key: string; id: string; units: number; ttlMs: number }
  | { key: string; units: 0; retryAfterMs: number };

/**
 * A lease its holder is done with (spent or past its end): the units it spent, each as the offset
 * from when the holder asked for the lease, in ms, with a count. The rest go back to the budget.
 */
export interface Settlement {
  id: string;
  spent: [offsetMs: number, count: number][];
}

interface OpenLease {
  key: string;
  windowMs: number;
  units: number;
  grantedAt: number;
  ttlMs: number;
}

/** A lease grants at most this share of the limit (at least 1), so that another isolate can still get some. */
const LEASE_MAX_SHARE = 1 / 2;
/**
 * A lease lives long enough to outlast a cross-continent round trip, and no longer than a lease
 * left unused by an isolate that went away should hold back: its units times its life stay within
 * a tenth of the budget's limit times its window, up to `leaseTtlMaxMs`.
 */
const LEASE_TTL_MIN_MS = 1_000;
const LEASE_STRANDED_SHARE = 1 / 10;

/**
 * The longest a lease of a budget with this window lives: 8 windows, at most 30 s. A per-second
 * budget's units are then all settled or past their window 9.1 s after their grant, inside the 10 s
 * an idle Durable Object is kept in memory (docs/reference/cloudflare-api.md §6.5).
 */
export const leaseTtlMaxMs = (windowMs: number) => Math.min(8 * windowMs, 30_000);

/** Beyond this many windows or open leases, the ones that can no longer matter are dropped. */
const PRUNE_ABOVE = 1_000;

/**
 * One tenant's budgets, as its budget object keeps them: a sliding window per budget, counting
 * calls admitted one by one (`take`) and units leased in batches to isolates (`lease`).
 *
 * A lease's units count in its budget's window from their grant, placed at the lease's end (the
 * latest any of them may be spent), until the holder settles the lease: then the units it spent
 * are placed at the times it spent them and the rest are taken back. A lease never settled (its
 * isolate went away) keeps all its units until its end has left the window. So, at every grant,
 * each unit already spent in any window the new units could fall in is still counted, and the
 * window's limit bounds them all: no span of the window ever holds more spent units than the limit,
 * however many isolates hold leases.
 */
export class BudgetLedger {
  private readonly windows = new Map<string, SlidingWindow>();
  private readonly leases = new Map<string, OpenLease>();

  /** `counted` hears of every window that changed, for its holder to persist. */
  constructor(
    private readonly counted: (key: string, window: SlidingWindow) => void = () => {},
    private readonly newLeaseId: () => string = () => crypto.randomUUID(),
  ) {}

  /** A window as its holder stored it. */
  restore(key: string, window: SlidingWindow): void {
    this.windows.set(key, window);
  }

  /** Counts one call against every budget, or against none when any of them is spent. */
  take(budgets: Budget[], nowMs: number): TakeResult {
    for (const budget of budgets) {
      const waitMs = this.windowOf(budget).waitMs(budget.limit, nowMs);
      if (waitMs > 0) {
        return { allowed: false, key: budget.key, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
      }
    }
    for (const budget of budgets) this.count(budget.key, this.windowOf(budget), nowMs, 1);
    return { allowed: true };
  }

  /** Settles the leases the isolate is done with, then grants what it asks for, within each limit. */
  lease(asks: LeaseAsk[], settlements: Settlement[], nowMs: number): LeaseGrant[] {
    for (const settlement of settlements) this.settle(settlement, nowMs);
    return asks.map(({ budget, want }) => this.grant(budget, want, nowMs));
  }

  /** Drops empty windows and leases whose units have left their window; says which windows went. */
  prune(nowMs: number): [key: string, window: SlidingWindow][] {
    if (this.leases.size > PRUNE_ABOVE) {
      for (const [id, lease] of this.leases) {
        if (nowMs > lease.grantedAt + lease.ttlMs + 2 * lease.windowMs) this.leases.delete(id);
      }
    }
    if (this.windows.size <= PRUNE_ABOVE) return [];
    const dropped: [string, SlidingWindow][] = [];
    for (const [key, window] of this.windows) {
      if (!window.isEmpty(nowMs)) continue;
      this.windows.delete(key);
      dropped.push([key, window]);
    }
    return dropped;
  }

  private grant(budget: Budget, want: number, nowMs: number): LeaseGrant {
    const window = this.windowOf(budget);
    const free = budget.limit - window.used(nowMs);
    const cap = Math.max(1, Math.floor(budget.limit * LEASE_MAX_SHARE));
    const units = Math.min(Math.max(1, want), free, cap);
    if (units <= 0) return { key: budget.key, units: 0, retryAfterMs: window.waitMs(budget.limit, nowMs) };
    const stranded = (budget.limit * budget.windowMs * LEASE_STRANDED_SHARE) / units;
    const ttlMs = Math.round(Math.min(leaseTtlMaxMs(budget.windowMs), Math.max(LEASE_TTL_MIN_MS, stranded)));
    const id = this.newLeaseId();
    this.leases.set(id, { key: budget.key, windowMs: budget.windowMs, units, grantedAt: nowMs, ttlMs });
    this.count(budget.key, window, nowMs + ttlMs, units);
    return { key: budget.key, id, units, ttlMs };
  }

  /**
   * Moves a lease's spent units from its end to when they were spent, and takes back the rest. The
   * holder measured each offset from when it asked, before the grant, so `grantedAt + offset` is
   * never earlier than the true time, whatever the two clocks say. A lease this object does not
   * know (granted before it was evicted, or long over) is left as counted: all its units spent at
   * its end, which errs on the safe side.
   */
  private settle({ id, spent }: Settlement, nowMs: number): void {
    const lease = this.leases.get(id);
    if (!lease) return;
    this.leases.delete(id);
    const window = this.windows.get(lease.key);
    if (window?.windowMs !== lease.windowMs) return;
    if (!window.uncount(lease.grantedAt + lease.ttlMs, lease.units, nowMs)) return;
    let left = lease.units;
    for (const [offsetMs, count] of spent) {
      const n = Math.min(left, Math.max(0, Math.floor(count)));
      if (n > 0) window.count(lease.grantedAt + Math.min(lease.ttlMs, Math.max(0, offsetMs)), n);
      left -= n;
    }
    this.counted(lease.key, window);
  }

  private count(key: string, window: SlidingWindow, atMs: number, n: number): void {
    window.count(atMs, n);
    this.counted(key, window);
  }

  /** The budget's window; one whose length changed (a new config) starts afresh. */
  private windowOf(budget: Budget): SlidingWindow {
    let window = this.windows.get(budget.key);
    if (window?.windowMs !== budget.windowMs) {
      window = new SlidingWindow(budget.windowMs);
      this.windows.set(budget.key, window);
    }
    return window;
  }
}

/** How far ahead of its grant a lease's units may still weigh on a window: its longest life plus the window, in slots rounded up. */
export const heldAfterGrantMs = (windowMs: number) =>
  leaseTtlMaxMs(windowMs) + windowMs + (2 * windowMs) / SLOTS;
