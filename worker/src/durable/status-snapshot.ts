import { isConnectedState, type LiveInput, liveInputState } from "#contracts/cloudflare/stream.ts";

/** How long a status read from Cloudflare is served before the next read. */
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
  /** ISO time the Worker learned this status: its read from Cloudflare, or a notification's arrival. */
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
