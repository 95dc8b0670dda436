import { isConnectedState, type LiveInput, liveInputState } from "#contracts/cloudflare/stream.ts";

/**
 * How long a status is served before it is checked again: on Stream's delivery host, which costs
 * no API call, so a status asked for is never older than this while Cloudflare answers.
 */
export const STATUS_REFRESH_MS = 10_000;
/**
 * How long after it was learned the last known status is still served, marked stale, when it
 * cannot be refreshed: past Cloudflare's 5-minute lock-out after a 429, twice over.
 */
export const STALE_STATUS_MAX_MS = 10 * 60_000;

/** What the Worker knows about one live input's connection. */
export interface LiveInputSnapshot {
  liveInputId: string;
  state: string | null;
  connected: boolean;
  enabled: boolean;
  /** ISO time the Worker learned this status: a read from Cloudflare (API or delivery host), or a notification's arrival. */
  checkedAt: string;
  /** What a `live_input.errored` notification reported; absent otherwise. */
  error?: { code: string; message: string };
}

export function snapshotOf(input: LiveInput, checkedAt: Date): LiveInputSnapshot {
  const state = liveInputState(input.status);
  return {
    liveInputId: input.uid,
    state,
    connected: isConnectedState(state),
    enabled: input.enabled,
    checkedAt: checkedAt.toISOString(),
  };
}

/**
 * What the delivery host's `live` says about a held status: whether a broadcaster is sending now.
 * It names no state, so a held state that agrees stays (with its error); one that does not
 * becomes `connected` or `disconnected`, the words Cloudflare's notifications use. A live input is
 * an enabled one; otherwise `enabled` stays as last read from the API.
 */
export function snapshotOfLifecycle(
  live: boolean,
  held: LiveInputSnapshot,
  checkedAt: Date,
): LiveInputSnapshot {
  const agrees = held.connected === live;
  return {
    liveInputId: held.liveInputId,
    state: agrees ? held.state : live ? "connected" : "disconnected",
    connected: live,
    enabled: live || held.enabled,
    checkedAt: checkedAt.toISOString(),
    ...(agrees && held.error ? { error: held.error } : {}),
  };
}
