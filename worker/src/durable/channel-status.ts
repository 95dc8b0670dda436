import { DurableObject } from "cloudflare:workers";
import { isConnectedState, type LiveInput, liveInputState } from "../../../contracts/cloudflare/stream.ts";
import { NEEDS, requireConfig } from "../config.ts";
import type { WorkerBindings } from "../env.ts";
import { UpstreamError, type UpstreamErrorShape } from "../upstream/http.ts";
import { StreamClient } from "../upstream/stream.ts";

/** How long a status read from Cloudflare is served before the next read. */
export const STATUS_REFRESH_MS = 10_000;

/** What the Worker knows about one live input's connection. */
export interface LiveInputSnapshot {
  liveInputId: string;
  state: string | null;
  connected: boolean;
  enabled: boolean;
  /** ISO time of the read from Cloudflare. */
  checkedAt: string;
}

export type SnapshotResult =
  | { ok: true; snapshot: LiveInputSnapshot }
  | { ok: false; error: UpstreamErrorShape };

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
 * The channel's status holder, one object per live input: every reader of a channel's status
 * goes through it, so any number of dashboards cost one Cloudflare read per refresh interval, and
 * concurrent misses share one read. It is the place where pushed updates will land too.
 */
export class ChannelStatus extends DurableObject<WorkerBindings> {
  private snapshot: LiveInputSnapshot | undefined;
  private readAt = 0;
  private inflight: Promise<SnapshotResult> | undefined;

  async current(liveInputId: string): Promise<SnapshotResult> {
    if (this.snapshot && Date.now() - this.readAt < STATUS_REFRESH_MS)
      return { ok: true, snapshot: this.snapshot };
    this.inflight ??= this.read(liveInputId).finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /** A read made elsewhere (connect just updated the input) replaces the held one. */
  async record(snapshot: LiveInputSnapshot): Promise<void> {
    this.snapshot = snapshot;
    this.readAt = Date.now();
  }

  private async read(liveInputId: string): Promise<SnapshotResult> {
    try {
      const input = await new StreamClient(requireConfig(this.env, NEEDS.stream)).getLiveInput(liveInputId);
      const snapshot = snapshotOf(input, new Date());
      await this.record(snapshot);
      return { ok: true, snapshot };
    } catch (error) {
      if (error instanceof UpstreamError) return { ok: false, error: error.toJSON() };
      throw error;
    }
  }
}
