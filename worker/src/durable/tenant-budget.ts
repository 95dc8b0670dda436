import { DurableObject } from "cloudflare:workers";
import {
  type Budget,
  BudgetLedger,
  heldAfterGrantMs,
  type LeaseAsk,
  type LeaseGrant,
  type Settlement,
  type TakeResult,
} from "../metering/ledger.ts";
import { SlidingWindow, type SlidingWindowState } from "../metering/sliding-window.ts";
import { DeferredWrites, STORAGE_MAX_KEYS } from "./deferred-writes.ts";

/**
 * An idle object may leave memory after 10 s without calls (docs/reference/cloudflare-api.md §6.5).
 * A window whose counts can weigh on calls longer than that after the last call (a minute of
 * minting, 5 minutes of the Cloudflare API share) is persisted; a per-second one, leases included,
 * is empty by then anyway.
 */
const IDLE_EVICTION_MS = 10_000;
const persisted = (windowMs: number) => heldAfterGrantMs(windowMs) > IDLE_EVICTION_MS;
/**
 * Persisted windows are written this long after a call counts, all together, not once per call. A
 * machine lost meanwhile forgets at most this much of the counts.
 */
const WRITE_DELAY_MS = 1_000;
const STORAGE_PREFIX = "window:";
type StoredWindow = { windowMs: number; slots: SlidingWindowState };

/**
 * One tenant's budgets, one object per tenant: credential minting (per tenant), and its shares of
 * the upstream budgets every tenant draws on (the Cloudflare API token, TURN issuance, per SFU
 * session). Calls are counted one by one (`take`: the channel status object's reads) or leased in batches
 * to the isolates that serve the tenant (`lease`: the credential routes), see `BudgetLedger`.
 */
export class TenantBudget extends DurableObject<unknown> {
  private readonly ledger = new BudgetLedger((key, window) => this.counted(key, window));
  /** Persisted windows counted into since the last write, by storage key. */
  private readonly unwritten: DeferredWrites<SlidingWindow>;

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env);
    this.unwritten = new DeferredWrites(
      ctx.storage,
      WRITE_DELAY_MS,
      (window): StoredWindow => ({ windowMs: window.windowMs, slots: window.toJSON() }),
    );
    void ctx.blockConcurrencyWhile(async () => {
      const stored = await ctx.storage.list<StoredWindow>({ prefix: STORAGE_PREFIX });
      for (const [name, { windowMs, slots }] of stored) {
        this.ledger.restore(name.slice(STORAGE_PREFIX.length), new SlidingWindow(windowMs, slots));
      }
    });
  }

  /** Counts one call against every budget, or against none when any of them is spent. */
  take(budgets: Budget[], nowMs: number = Date.now()): TakeResult {
    const result = this.ledger.take(budgets, nowMs);
    this.prune(nowMs);
    return result;
  }

  /** Settles the leases an isolate is done with, then leases it what it asks for, within each limit. */
  lease(asks: LeaseAsk[], settlements: Settlement[], nowMs: number = Date.now()): LeaseGrant[] {
    const grants = this.ledger.lease(asks, settlements, nowMs);
    this.prune(nowMs);
    return grants;
  }

  private counted(key: string, window: SlidingWindow): void {
    if (persisted(window.windowMs)) this.unwritten.set(`${STORAGE_PREFIX}${key}`, window);
  }

  /** Drops the empty windows, stored ones included (a user's minting window, a session's). */
  private prune(nowMs: number): void {
    const stored: string[] = [];
    for (const [key, window] of this.ledger.prune(nowMs)) {
      this.unwritten.delete(`${STORAGE_PREFIX}${key}`);
      if (persisted(window.windowMs)) stored.push(`${STORAGE_PREFIX}${key}`);
    }
    for (let i = 0; i < stored.length; i += STORAGE_MAX_KEYS) {
      void this.ctx.storage.delete(stored.slice(i, i + STORAGE_MAX_KEYS));
    }
  }
}

/** The tenant's budgets: one object per tenant, wherever its calls come from. */
export const tenantBudget = (
  env: { TENANT_BUDGET: DurableObjectNamespace<TenantBudget> },
  tenantId: string,
) => env.TENANT_BUDGET.get(env.TENANT_BUDGET.idFromName(tenantId));
