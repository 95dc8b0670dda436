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
  /**
   * Live viewers as the delivery host's `/views` last counted them: only while live, and never
   * for an input that hides its count.
   */
  viewers?: number;
}

/**
 * What a read from the API says. It carries no viewer count, so the one last counted (`viewers`)
 * stays while the input is live and does not hide it, until the next check on the delivery host.
 */
export function snapshotOf(input: LiveInput, checkedAt: Date, viewers?: number): LiveInputSnapshot {
  const state = liveInputState(input.status);
  const connected = isConnectedState(state);
  const counted = connected && viewers !== undefined && !input.recording.hideLiveViewerCount;
  return {
    liveInputId: input.uid,
    state,
    connected,
    enabled: input.enabled,
    checkedAt: checkedAt.toISOString(),
    ...(counted ? { viewers } : {}),
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
  viewers?: number,
): LiveInputSnapshot {
  const agrees = held.connected === live;
  return {
    liveInputId: held.liveInputId,
    state: agrees ? held.state : live ? "connected" : "disconnected",
    connected: live,
    enabled: live || held.enabled,
    checkedAt: checkedAt.toISOString(),
    ...(agrees && held.error ? { error: held.error } : {}),
    ...(live && viewers !== undefined ? { viewers } : {}),
  };
}
