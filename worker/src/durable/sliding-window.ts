/** A window is counted in this many slots (plus the current one): it errs on the safe side by 1/SLOTS. */
const SLOTS = 20;

/** What a window keeps, and its holder persists: the non-empty slots, oldest first. */
export type SlidingWindowState = { index: number; count: number }[];

/**
 * Calls over the last `windowMs`, counted in slots of `windowMs / SLOTS`. A call is admitted while
 * the slots that could still fall within one window of it hold fewer than the limit, so no span of
 * `windowMs` ever holds more than the limit: the guarantee Cloudflare's own limits ask for.
 */
export class SlidingWindow {
  private slots: SlidingWindowState;

  constructor(
    readonly windowMs: number,
    state: SlidingWindowState = [],
  ) {
    this.slots = state.map((slot) => ({ ...slot }));
  }

  /** 0 when a call at `nowMs` is within `limit`; else how long until one is, in ms. */
  waitMs(limit: number, nowMs: number): number {
    this.forget(nowMs);
    let used = this.slots.reduce((sum, slot) => sum + slot.count, 0);
    if (used < limit) return 0;
    for (const slot of this.slots) {
      used -= slot.count;
      if (used < limit) return this.leavesAt(slot.index) - nowMs;
    }
    return this.windowMs; // not reached for a limit of at least 1
  }

  /** Counts a call at `nowMs`. */
  count(nowMs: number): void {
    this.forget(nowMs);
    const current = this.slotOf(nowMs);
    const last = this.slots.at(-1);
    if (last?.index === current) last.count += 1;
    else this.slots.push({ index: current, count: 1 });
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
