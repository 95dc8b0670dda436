import { DurableObject } from "cloudflare:workers";
import { NEEDS, requireConfig } from "../config.ts";
import type { WorkerBindings } from "../env.ts";
import { UpstreamError } from "../upstream/http.ts";
import { StreamClient } from "../upstream/stream.ts";
import {
  type LiveInputSnapshot,
  type SnapshotResult,
  STATUS_REFRESH_MS,
  snapshotOf,
} from "./status-snapshot.ts";

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
