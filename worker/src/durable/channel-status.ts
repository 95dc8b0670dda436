import { DurableObject } from "cloudflare:workers";
import {
  HEARTBEAT_INTERVAL_MS,
  RECONNECT_DELAY_MS,
  STATUS_EVENT,
} from "../../../contracts/api/event-stream.ts";
import type { WebhookOutcome } from "../../../contracts/api/webhook.ts";
import type { LiveInputNotification } from "../../../contracts/cloudflare/notifications.ts";
import { isConnectedState } from "../../../contracts/cloudflare/stream.ts";
import { SSE_HEADERS, SSE_HEARTBEAT, sseEvent, sseRetry } from "../../../contracts/sse.ts";
import { type ChannelBinding, statusView } from "../channels.ts";
import { type ConfigBindings, NEEDS, requireConfig } from "../config.ts";
import { UpstreamError } from "../upstream/http.ts";
import { StreamClient } from "../upstream/stream.ts";
import { type ApplyOutcome, nowNs, type StatusEvent, StatusLog } from "./status-log.ts";
import {
  type LiveInputSnapshot,
  type SnapshotResult,
  STATUS_REFRESH_MS,
  snapshotOf,
} from "./status-snapshot.ts";

/** How the Worker asks its holder for an event stream (`fetch`, since streams are what it carries). */
export interface EventsRequest {
  liveInputId: string;
  channel: string;
  playbackBase: string;
  lastEventId: string | undefined;
}

/** While dashboards listen, the holder wakes this often to refresh and to send heartbeats. */
const TICK_MS = 5_000;
/** A subscriber this many events behind is not reading: it is dropped and may reconnect. */
const MAX_QUEUED_EVENTS = 64;
const LOG_KEY = "log";

interface Subscriber {
  writer: WritableStreamDefaultWriter<Uint8Array>;
  channel: string;
  binding: ChannelBinding;
  lastWriteAt: number;
}

const encoder = new TextEncoder();

/** A notification's news: the status it reports, learned now. */
function snapshotOfNotification(
  data: LiveInputNotification["data"],
  enabled: boolean,
  learnedAt: Date,
): LiveInputSnapshot {
  const state = data.event_type.slice("live_input.".length);
  const error = data.live_input_errored?.error;
  return {
    liveInputId: data.input_id,
    state,
    connected: isConnectedState(state),
    enabled,
    checkedAt: learnedAt.toISOString(),
    ...(state === "errored"
      ? { error: error ?? { code: "unknown", message: "The live input errored" } }
      : {}),
  };
}

/**
 * The channel's status holder, one object per live input: every reader of a channel's status goes
 * through it, so any number of dashboards cost one Cloudflare read per refresh interval, and
 * concurrent misses share one read. Notifications land here too; news older than what is held is
 * ignored, and each change goes out at once to every subscribed event stream.
 */
export class ChannelStatus extends DurableObject<ConfigBindings> {
  private log = new StatusLog(undefined);
  private readAt = 0;
  private inflight: Promise<SnapshotResult> | undefined;
  private liveInputId: string | undefined;
  private readonly subscribers = new Set<Subscriber>();
  private ticker: ReturnType<typeof setInterval> | undefined;

  constructor(ctx: DurableObjectState, env: ConfigBindings) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      this.log = new StatusLog(await ctx.storage.get(LOG_KEY));
    });
  }

  async current(liveInputId: string): Promise<SnapshotResult> {
    this.liveInputId = liveInputId;
    const held = this.log.snapshot;
    if (held && Date.now() - this.readAt < STATUS_REFRESH_MS) return { ok: true, snapshot: held };
    this.inflight ??= this.read(liveInputId).finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /** A read made elsewhere (connect just updated the input) counts as this holder's own. */
  async record(snapshot: LiveInputSnapshot): Promise<void> {
    this.readAt = Date.now();
    await this.learn(snapshot, nowNs());
  }

  /** A live input notification, as of its `updated_at` in ns (decimal; the Worker parsed it). */
  async notify(data: LiveInputNotification["data"], asOfNs: string): Promise<WebhookOutcome> {
    // `enabled` is not in a notification: take it from a read when nothing is held yet.
    if (!this.log.snapshot) await this.current(data.input_id);
    const enabled = this.log.snapshot?.enabled ?? true;
    const outcome = await this.learn(snapshotOfNotification(data, enabled, new Date()), BigInt(asOfNs));
    if (outcome === "applied") this.readAt = Date.now();
    return outcome;
  }

  /**
   * `GET events`: the status at connect (or the changes missed since `Last-Event-ID`), then every
   * change, with heartbeats. Answers the upstream error as JSON when no status could be had at all.
   */
  override async fetch(request: Request): Promise<Response> {
    const ask = (await request.json()) as EventsRequest;
    const result = await this.current(ask.liveInputId);
    if (!result.ok && !this.log.snapshot) return Response.json(result.error, { status: 502 });
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const subscriber: Subscriber = {
      writer: writable.getWriter(),
      channel: ask.channel,
      binding: { liveInputId: ask.liveInputId, playbackBase: ask.playbackBase },
      lastWriteAt: 0,
    };
    subscriber.writer.closed.catch(() => this.unsubscribe(subscriber));
    this.write(subscriber, sseRetry(RECONNECT_DELAY_MS));
    for (const event of this.log.since(ask.lastEventId))
      this.write(subscriber, this.frame(subscriber, event));
    this.subscribers.add(subscriber);
    this.ticker ??= setInterval(() => this.tick(), TICK_MS);
    return new Response(readable, { headers: SSE_HEADERS });
  }

  private async read(liveInputId: string): Promise<SnapshotResult> {
    const startedAt = new Date();
    try {
      const input = await new StreamClient(requireConfig(this.env, NEEDS.stream)).getLiveInput(liveInputId);
      this.readAt = Date.now();
      // As of when the read started: a notification that arrived meanwhile may well be newer.
      await this.learn(snapshotOf(input, startedAt), nowNs(startedAt.getTime()));
      return { ok: true, snapshot: this.log.snapshot! };
    } catch (error) {
      if (error instanceof UpstreamError) return { ok: false, error: error.toJSON() };
      throw error;
    }
  }

  private async learn(snapshot: LiveInputSnapshot, asOfNs: bigint): Promise<ApplyOutcome> {
    const outcome = this.log.apply(snapshot, asOfNs);
    if (outcome === "stale") return outcome;
    await this.ctx.storage.put(LOG_KEY, this.log.toJSON());
    if (outcome === "applied") this.publish(this.log.current!);
    return outcome;
  }

  private publish(event: StatusEvent): void {
    for (const subscriber of this.subscribers) this.write(subscriber, this.frame(subscriber, event));
  }

  private frame(subscriber: Subscriber, event: StatusEvent): string {
    return sseEvent(
      event.id,
      STATUS_EVENT,
      statusView(subscriber.channel, subscriber.binding, event.snapshot),
    );
  }

  private write(subscriber: Subscriber, text: string): void {
    const { writer } = subscriber;
    if ((writer.desiredSize ?? 0) < -MAX_QUEUED_EVENTS) {
      this.unsubscribe(subscriber);
      return;
    }
    subscriber.lastWriteAt = Date.now();
    writer.write(encoder.encode(text)).catch(() => this.unsubscribe(subscriber));
  }

  private unsubscribe(subscriber: Subscriber): void {
    if (!this.subscribers.delete(subscriber)) return;
    subscriber.writer.abort().catch(() => {});
    if (this.subscribers.size === 0 && this.ticker !== undefined) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
  }

  /** Keeps listening dashboards current without notifications, and their connections alive. */
  private tick(): void {
    if (this.liveInputId) void this.current(this.liveInputId);
    const due = Date.now() - (HEARTBEAT_INTERVAL_MS - TICK_MS);
    for (const subscriber of this.subscribers) {
      if (subscriber.lastWriteAt <= due) this.write(subscriber, SSE_HEARTBEAT);
    }
  }
}

/** The live input's status holder: one per live input, whichever tenant asks. */
export const statusHolder = (
  env: { CHANNEL_STATUS: DurableObjectNamespace<ChannelStatus> },
  liveInputId: string,
) => env.CHANNEL_STATUS.get(env.CHANNEL_STATUS.idFromName(liveInputId));
