import { DurableObject } from "cloudflare:workers";
import { SlidingWindow, type SlidingWindowState } from "./sliding-window.ts";

/** A limit of `limit` calls in any `windowMs`, under `key`. */
export interface Budget {
  /** E.g. `credentials`, `user:<id>`, `session:<id>`: ids share the id pattern, so prefixes keep them apart. */
  key: string;
  limit: number;
  windowMs: number;
}

export type TakeResult = { allowed: true } | { allowed: false; key: string; retryAfterSeconds: number };

/**
 * Windows longer than this are persisted. An object is evicted only after more than a minute
 * without calls, by which time a shorter window is empty anyway; a longer one (the 5-minute
 * Cloudflare API share) would forget calls Cloudflare still counts.
 */
const MEMORY_ONLY_MAX_MS = 60_000;
const STORAGE_PREFIX = "window:";
type StoredWindow = { windowMs: number; slots: SlidingWindowState };
/** Beyond this many windows, empty ones are dropped: an empty window is what a new one would be. */
const PRUNE_ABOVE = 1_000;

/**
 * One tenant's budgets, one object per tenant: credential minting (tenant and per user), and its
 * shares of the upstream budgets every tenant draws on (the Cloudflare API token, TURN issuance,
 * per SFU session). A call is counted against every budget it needs, or against none.
 */
export class TenantBudget extends DurableObject<unknown> {
  private readonly windows = new Map<string, SlidingWindow>();

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      const stored = await ctx.storage.list<StoredWindow>({ prefix: STORAGE_PREFIX });
      for (const [name, { windowMs, slots }] of stored) {
        this.windows.set(name.slice(STORAGE_PREFIX.length), new SlidingWindow(windowMs, slots));
      }
    });
  }

  /** Counts one call against every budget, or against none when any of them is spent. */
  async take(budgets: Budget[], nowMs: number = Date.now()): Promise<TakeResult> {
    for (const budget of budgets) {
      const waitMs = this.windowOf(budget).waitMs(budget.limit, nowMs);
      if (waitMs > 0) {
        return { allowed: false, key: budget.key, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
      }
    }
    for (const budget of budgets) this.windowOf(budget).count(nowMs);
    const durable = budgets.filter((b) => b.windowMs > MEMORY_ONLY_MAX_MS);
    if (durable.length > 0) {
      const entries = durable.map((b): [string, StoredWindow] => [
        `${STORAGE_PREFIX}${b.key}`,
        { windowMs: b.windowMs, slots: this.windowOf(b).toJSON() },
      ]);
      await this.ctx.storage.put(Object.fromEntries(entries));
    }
    if (this.windows.size > PRUNE_ABOVE) this.prune(nowMs);
    return { allowed: true };
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

  private prune(nowMs: number): void {
    for (const [key, window] of this.windows) {
      if (window.windowMs <= MEMORY_ONLY_MAX_MS && window.isEmpty(nowMs)) this.windows.delete(key);
    }
  }
}

/** The tenant's budgets: one object per tenant, wherever its calls come from. */
export const tenantBudget = (
  env: { TENANT_BUDGET: DurableObjectNamespace<TenantBudget> },
  tenantId: string,
) => env.TENANT_BUDGET.get(env.TENANT_BUDGET.idFromName(tenantId));
