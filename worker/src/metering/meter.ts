import { SharedCall } from "#contracts/shared-call.ts";
import { HeldBudget } from "./held-budget.ts";
import type { Budget, LeaseAsk, LeaseGrant, Settlement, TakeResult } from "./ledger.ts";
import { SlidingWindow } from "./sliding-window.ts";

/** Where leases come from: the tenant's ledger, in its budget object. */
export interface Bank {
  lease(tenantId: string, asks: LeaseAsk[], settlements: Settlement[]): Promise<LeaseGrant[]>;
}

/** Keeps work going after the response is sent (the runtime's `waitUntil`). */
export type Background = (work: Promise<unknown>) => void;

/**
 * A request waits for units at most this many asks to the ledger; past them (other requests of
 * this isolate took each batch first) it is refused as if the budget were spent for a second.
 */
const MAX_ASKS_PER_TAKE = 8;
/** Beyond this many budgets held for one tenant (sessions, users), the idle ones are dropped. */
const PRUNE_ABOVE = 1_000;

/** What this isolate holds for one tenant. */
class TenantMeter {
  readonly held = new Map<string, HeldBudget>();
  /** Windows of the budgets counted by this isolate on its own. */
  readonly counted = new Map<string, SlidingWindow>();
  /** Settlements of ended leases, carried back by the next ask. */
  readonly ended: Settlement[] = [];
  readonly asking = new SharedCall<void>();

  heldFor(budget: Budget, nowMs: number): HeldBudget {
    let held = this.held.get(budget.key);
    if (held?.budget.windowMs !== budget.windowMs || held.budget.limit !== budget.limit) {
      if (this.held.size > PRUNE_ABOVE) {
        for (const [key, h] of this.held) if (h.isIdle(nowMs)) this.held.delete(key);
      }
      // A changed limit (a new config) holds on to no lease of the old one: they end by themselves.
      held = new HeldBudget(budget, this.ended);
      this.held.set(budget.key, held);
    }
    return held;
  }

  windowOf(budget: Budget, nowMs: number): SlidingWindow {
    let window = this.counted.get(budget.key);
    if (window?.windowMs !== budget.windowMs) {
      if (this.counted.size > PRUNE_ABOVE) {
        for (const [key, w] of this.counted) if (w.isEmpty(nowMs)) this.counted.delete(key);
      }
      window = new SlidingWindow(budget.windowMs);
      this.counted.set(budget.key, window);
    }
    return window;
  }
}

/**
 * One isolate's metering: a call is counted against units this isolate already holds, in memory
 * and synchronously, so the hot path makes no call to the tenant's budget object while a lease
 * lasts. Leases are refilled in the background before they run dry, and asked for while a request
 * waits only when none is held. All the tenant's budgets one ask needs, and the settlements of
 * every ended lease, travel in one call.
 *
 * Budgets marked `perIsolate` are counted here alone: each isolate holds a caller to the limit
 * itself, as Cloudflare's own Rate Limiting binding holds a key to its limit per location.
 */
export class Meter {
  private readonly tenants = new Map<string, TenantMeter>();

  constructor(
    private readonly bank: Bank,
    private readonly clock: () => number = () => Date.now(),
  ) {}

  /** Counts one call against every budget, or against none when any of them is spent. */
  async take(tenantId: string, budgets: Budget[], background: Background): Promise<TakeResult> {
    const tenant = this.tenantOf(tenantId);
    for (let asks = 0; ; asks++) {
      const nowMs = this.clock();
      const short: HeldBudget[] = [];
      for (const budget of budgets) {
        if (budget.perIsolate) {
          const waitMs = tenant.windowOf(budget, nowMs).waitMs(budget.limit, nowMs);
          if (waitMs > 0) return refused(budget.key, waitMs);
          continue;
        }
        const held = tenant.heldFor(budget, nowMs);
        if (held.available(nowMs) > 0) continue;
        const waitMs = held.refusedForMs(nowMs);
        if (waitMs > 0) return refused(budget.key, waitMs);
        short.push(held);
      }
      if (short.length === 0) {
        this.spendAll(tenantId, tenant, budgets, nowMs, background);
        return { allowed: true };
      }
      if (asks === MAX_ASKS_PER_TAKE) return refused(short[0]!.budget.key, 1_000);
      for (const held of short) held.waiting += 1;
      try {
        await this.ask(tenantId, tenant, background);
      } finally {
        for (const held of short) held.waiting -= 1;
      }
    }
  }

  private spendAll(
    tenantId: string,
    tenant: TenantMeter,
    budgets: Budget[],
    nowMs: number,
    background: Background,
  ): void {
    let askAhead = false;
    for (const budget of budgets) {
      if (budget.perIsolate) {
        tenant.windowOf(budget, nowMs).count(nowMs);
        continue;
      }
      const held = tenant.heldFor(budget, nowMs);
      held.spend(nowMs);
      askAhead ||= held.wantsMore(nowMs);
    }
    // A failed ask ahead costs nothing: the next request that finds no unit asks again, and meets the
    // failure itself. An ask already under way is joined, not repeated.
    if (askAhead) this.ask(tenantId, tenant, background).catch(() => {});
  }

  /**
   * One call to the ledger at a time per tenant: asks for every budget a request waits on or that
   * runs low, and carries back every ended lease, of any budget. A request that finds one under
   * way waits for it; so the call is kept going past the end of the request that made it.
   */
  private ask(tenantId: string, tenant: TenantMeter, background: Background): Promise<void> {
    return tenant.asking.run(() => {
      const askedAt = this.clock();
      const held = [...tenant.held.values()];
      for (const h of held) h.endPast(askedAt);
      const asking = held.filter((h) => h.waiting > 0 || h.wantsMore(askedAt));
      const settlements = tenant.ended.splice(0);
      const leased = this.bank
        .lease(
          tenantId,
          asking.map((h) => h.ask()),
          settlements,
        )
        .then((grants) => {
          const nowMs = this.clock();
          grants.forEach((grant, i) => {
            asking[i]!.receive(grant, askedAt, nowMs);
          });
        });
      background(leased.catch(() => {}));
      return leased;
    });
  }

  private tenantOf(tenantId: string): TenantMeter {
    let tenant = this.tenants.get(tenantId);
    if (!tenant) {
      tenant = new TenantMeter();
      this.tenants.set(tenantId, tenant);
    }
    return tenant;
  }
}

const refused = (key: string, waitMs: number): TakeResult => ({
  allowed: false,
  key,
  retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
});
