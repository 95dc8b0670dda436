import type { ReadFailure } from "./status-result.ts";
import { STATUS_REFRESH_MS } from "./status-snapshot.ts";

/**
 * Whether a channel's status is stale, and until when a failed refresh is not tried again: not
 * within the refresh interval, nor before Cloudflare's Retry-After, nor before a spent budget share
 * refills. Each change between fresh and stale is news for the channel's event streams.
 */
export class ReadBackoff {
  private failure: { outcome: ReadFailure; retryAt: number } | undefined;

  /** Whether the last refresh failed, so that what is held is stale. */
  get stale(): boolean {
    return this.failure !== undefined;
  }

  /** The last failure while it may not be tried again; undefined once a refresh may be tried. */
  blocked(): ReadFailure | undefined {
    return this.failure && Date.now() < this.failure.retryAt ? this.failure.outcome : undefined;
  }

  /** A refresh failed: whether the status just turned stale. */
  failed(outcome: ReadFailure): boolean {
    const waitMs =
      "refused" in outcome
        ? outcome.refused.retryAfterSeconds * 1000
        : Math.max(STATUS_REFRESH_MS, (outcome.error.retryAfterSeconds ?? 0) * 1000);
    const turnsStale = this.failure === undefined;
    this.failure = { outcome, retryAt: Date.now() + waitMs };
    return turnsStale;
  }

  /** Cloudflare answered: whether the status was stale until now. */
  recovered(): boolean {
    const wasStale = this.failure !== undefined;
    this.failure = undefined;
    return wasStale;
  }
}
