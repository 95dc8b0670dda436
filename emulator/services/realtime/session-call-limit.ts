import { SlidingWindow } from "../../core/sliding-window.ts";

/**
 * "You can make up to 50 API calls per second for each session. There is no ratelimit on a App basis,
 * just sessions." (developers.cloudflare.com/realtime/sfu/limits/, docs/reference/media-and-providers.md §3)
 */
export const SESSION_CALLS_PER_SECOND = 50;

/** Idle sessions are forgotten after this many calls, so that memory follows the busy ones. */
const SWEEP_EVERY = 1024;

/**
 * Counts the Realtime API calls made on each SFU session in a sliding second, the strictest reading
 * of "per second": any one-second span holds at most 50. Refused calls are not counted, so a client
 * that waits as told gets through. The clock is injectable so that tests need not wait.
 */
export class SessionCallLimit {
  private windows = new Map<string, SlidingWindow>();
  private calls = 0;

  constructor(private readonly clock: () => number = Date.now) {}

  /** Counts a call on the session; when it is one too many, the seconds to wait instead. */
  take(sessionId: string): { retryAfterSeconds: number } | undefined {
    const now = this.clock();
    this.calls += 1;
    if (this.calls % SWEEP_EVERY === 0) this.forgetIdle(now);
    let window = this.windows.get(sessionId);
    if (!window) {
      window = new SlidingWindow(1000);
      this.windows.set(sessionId, window);
    }
    if (window.count(now) >= SESSION_CALLS_PER_SECOND) {
      return { retryAfterSeconds: Math.max(1, Math.ceil(window.msUntilOldestLeaves(now) / 1000)) };
    }
    window.add(now);
    return undefined;
  }

  reset(): void {
    this.windows.clear();
  }

  private forgetIdle(now: number): void {
    for (const [id, window] of this.windows) if (window.count(now) === 0) this.windows.delete(id);
  }
}
