/**
 * The times of the events of the last `spanMs`, oldest first: how many fall in any window that
 * ends now, and when the oldest leaves it. Memory is one number per event still inside the span.
 */
export class SlidingWindow {
  private times: number[] = [];
  private head = 0;

  constructor(private readonly spanMs: number) {}

  /** Counts an event at `nowMs`; returns how many the window ending at `nowMs` holds. */
  add(nowMs: number): number {
    this.expire(nowMs);
    this.times.push(nowMs);
    return this.times.length - this.head;
  }

  count(nowMs: number): number {
    this.expire(nowMs);
    return this.times.length - this.head;
  }

  /** Milliseconds until the oldest event leaves the window (0 when it is empty). */
  msUntilOldestLeaves(nowMs: number): number {
    this.expire(nowMs);
    const oldest = this.times[this.head];
    return oldest === undefined ? 0 : oldest + this.spanMs - nowMs;
  }

  private expire(nowMs: number): void {
    while (this.head < this.times.length && this.times[this.head]! <= nowMs - this.spanMs) this.head += 1;
    // Drop the expired prefix once it is most of the array, so that memory follows the live events.
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }
}
