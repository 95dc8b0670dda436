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
 * Windows longer than this are persisted. An idle object may leave memory after 10 s without
 * calls (docs/reference/cloudflare-api.md §6.5), by when a per-second window is empty anyway; a
 * longer one (a minute of minting, 5 minutes of the Cloudflare API share) would forget calls.
 */
const MEMORY_ONLY_MAX_MS = 10_000;
/**
 * Persisted windows are written this long after a call counts, all together, not once per call
 * (a write per credential costs its caller about half a millisecond). The pending write keeps the
 * object in memory until it is done; a machine lost meanwhile forgets at most this much.
 */
const WRITE_DELAY_MS = 1_000;
const STORAGE_PREFIX = "window:";
type StoredWindow = { windowMs: number; slots: SlidingWindowState };
/** Beyond this many windows, empty ones are dropped: an empty window is what a new one would be. */
const PRUNE_ABOVE = 1_000;
/** The storage API deletes at most this many keys at once. */
const STORAGE_DELETE_MAX_KEYS = 128;

/**
 * One tenant's budgets, one object per tenant: credential minting (tenant and per user), and its
 * shares of the upstream budgets every tenant draws on (the Cloudflare API token, TURN issuance,
 * per SFU session). A call is counted against every budget it needs, or against none.
 */
export class TenantBudget extends DurableObject<unknown> {
  private readonly windows = new Map<string, SlidingWindow>();
  /** Persisted windows counted into since the last write. */
  private readonly unwritten = new Set<string>();
  private writeTimer: ReturnType<typeof setTimeout> | undefined;

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
  take(budgets: Budget[], nowMs: number = Date.now()): TakeResult {
    for (const budget of budgets) {
      const waitMs = this.windowOf(budget).waitMs(budget.limit, nowMs);
      if (waitMs > 0) {
        return { allowed: false, key: budget.key, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
      }
    }
    for (const budget of budgets) {
      this.windowOf(budget).count(nowMs);
      if (budget.windowMs > MEMORY_ONLY_MAX_MS) this.unwritten.add(budget.key);
    }
    if (this.unwritten.size > 0) this.writeTimer ??= setTimeout(() => void this.write(), WRITE_DELAY_MS);
    if (this.windows.size > PRUNE_ABOVE) this.prune(nowMs);
    return { allowed: true };
  }

  private async write(): Promise<void> {
    const entries = [...this.unwritten].map((key): [string, StoredWindow] => {
      const window = this.windows.get(key)!;
      return [`${STORAGE_PREFIX}${key}`, { windowMs: window.windowMs, slots: window.toJSON() }];
    });
    this.unwritten.clear();
    this.writeTimer = undefined;
    await this.ctx.storage.put(Object.fromEntries(entries));
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

  /** Drops the empty windows, stored ones included (a user's minting window, a session's). */
  private prune(nowMs: number): void {
    const stored: string[] = [];
    for (const [key, window] of this.windows) {
      if (!window.isEmpty(nowMs)) continue;
      this.windows.delete(key);
      this.unwritten.delete(key);
      if (window.windowMs > MEMORY_ONLY_MAX_MS) stored.push(`${STORAGE_PREFIX}${key}`);
    }
    for (let i = 0; i < stored.length; i += STORAGE_DELETE_MAX_KEYS) {
      void this.ctx.storage.delete(stored.slice(i, i + STORAGE_DELETE_MAX_KEYS));
    }
  }
}

/** The tenant's budgets: one object per tenant, wherever its calls come from. */
export const tenantBudget = (
  env: { TENANT_BUDGET: DurableObjectNamespace<TenantBudget> },
  tenantId: string,
) => env.TENANT_BUDGET.get(env.TENANT_BUDGET.idFromName(tenantId));
