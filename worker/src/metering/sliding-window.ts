/** A window is counted in this many slots (plus the current one): it errs on the safe side by 1/SLOTS. */
export const SLOTS = 20;

/** What a window keeps, and its holder persists: the non-empty slots, oldest first. */
export type SlidingWindowState = { index: number; count: number }[];

/**
 * Calls over the last `windowMs`, counted in slots of `windowMs / SLOTS`. A call is admitted while
 * the slots that could still fall within one window of it hold fewer than the limit, so no span of
 * `windowMs` ever holds more than the limit: the guarantee Cloudflare's own limits ask for.
 *
 * A count may be placed ahead of now: a lease's units are held at its expiry, the latest they may
 * be spent, so that they weigh on every window they could fall in until they are settled.
 */
export class SlidingWindow {
  private slots: SlidingWindowState;

  constructor(
    readonly windowMs: number,
    state: SlidingWindowState = [],
  ) {
    this.slots = state.map((slot) => ({ ...slot }));
  }

  /** What counts against a call at `nowMs`: every slot it could share a window with, later ones included. */
  used(nowMs: number): number {
    this.forget(nowMs);
    return this.slots.reduce((sum, slot) => sum + slot.count, 0);
  }

  /** 0 when a call at `nowMs` is within `limit`; else how long until one is, in ms. */
  waitMs(limit: number, nowMs: number): number {
    let used = this.used(nowMs);
    if (used < limit) return 0;
    for (const slot of this.slots) {
      used -= slot.count;
      if (used < limit) return this.leavesAt(slot.index) - nowMs;
    }
    return this.windowMs; // not reached for a limit of at least 1
  }

  /** Counts `n` calls at `atMs` (now, or the latest a lease may spend them). */
  count(atMs: number, n = 1): void {
    const index = this.slotOf(atMs);
    const at = this.slots.findLastIndex((slot) => slot.index <= index);
    if (this.slots[at]?.index === index) this.slots[at].count += n;
    else this.slots.splice(at + 1, 0, { index, count: n });
  }

  /**
   * Takes back up to `n` calls counted at `atMs`; false, taking nothing, when that slot has left
   * the window since (nothing of it weighs on any call any more).
   */
  uncount(atMs: number, n: number, nowMs: number): boolean {
    this.forget(nowMs);
    const slot = this.slots.find((s) => s.index === this.slotOf(atMs));
    if (!slot) return false;
    slot.count -= Math.min(n, slot.count);
    if (slot.count === 0) this.slots.splice(this.slots.indexOf(slot), 1);
    return true;
  }

  /** Whether the window holds nothing any more: dropping it loses nothing. */
  isEmpty(nowMs: number): boolean {
    this.forget(nowMs);
    return this.slots.length === 0;
  }

  toJSON(): SlidingWindowState {
    return this.slots;
  }

  /** Drops the slots no call from `nowMs` on can share a window with. */
  private forget(nowMs: number): void {
    const oldest = this.slotOf(nowMs) - SLOTS;
    if (this.slots[0] && this.slots[0].index < oldest)
      this.slots = this.slots.filter((s) => s.index >= oldest);
  }

  private slotOf(ms: number): number {
    return Math.floor(ms / (this.windowMs / SLOTS));
  }

  /** When a slot stops counting: SLOTS + 1 slots after it began. */
  private leavesAt(index: number): number {
    return (index + SLOTS + 1) * (this.windowMs / SLOTS);
  }
}
