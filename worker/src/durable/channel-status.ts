import { DurableObject } from "cloudflare:workers";
import { HEARTBEAT_INTERVAL_MS, RECONNECT_DELAY_MS, STATUS_EVENT } from "#contracts/api/event-stream.ts";
import type { IngestDetails } from "#contracts/api/stream.ts";
import type { WebhookOutcome } from "#contracts/api/webhook.ts";
import type { LiveInputNotification } from "#contracts/cloudflare/notifications.ts";
import { isConnectedState, type LiveInput } from "#contracts/cloudflare/stream.ts";
import { SSE_HEADERS, SSE_HEARTBEAT, sseEvent, sseRetry } from "#contracts/sse.ts";
import { BUDGETS, refusalOf } from "../budgets.ts";
import { type ChannelBinding, ingestView, statusView } from "../channels.ts";
import { type ConfigBindings, NEEDS, requireConfig } from "../config.ts";
import { PROBE_CALLER, PROBE_SHARES, sharesOf } from "../tenants.ts";
import { UpstreamError } from "../upstream/http.ts";
import { StreamClient } from "../upstream/stream.ts";
import { type ApplyOutcome, nowNs, type StatusEvent, StatusLog } from "./status-log.ts";
import type { ReadFailure, SnapshotResult } from "./status-result.ts";
import {
  type LiveInputSnapshot,
  STALE_STATUS_MAX_MS,
  STATUS_REFRESH_MS,
  snapshotOf,
} from "./status-snapshot.ts";
import { type TenantBudget, tenantBudget } from "./tenant-budget.ts";

/** What a holder reads: the stack's config, and the tenants' budget objects it pays reads from. */
type HolderEnv = ConfigBindings & { TENANT_BUDGET: DurableObjectNamespace<TenantBudget> };

/**
 * Whom a holder reads for: the tenant whose share pays, and the Worker's Cloudflare API token as
 * the calling Worker has it. A running object keeps the code and bindings of an older deploy for
 * up to 5 minutes after a new one (docs/reference/cloudflare-api.md §6.5), so the holder reads
 * with the caller's token: a switch to a new token takes effect at once, and a check of it through
 * connect (rotation's verify) reads with it.
 */
export interface Caller {
  tenantId: string;
  apiToken: string;
}

/** How the Worker asks its holder for an event stream (`fetch`, since streams are what it carries). */
export interface EventsRequest {
  liveInputId: string;
  channel: string;
  playbackBase: string;
  lastEventId: string | undefined;
  /** The subscribing tenant, whose share pays for the reads that keep the stream current. */
  caller: Caller;
}

/** What connect answers: the live input's ingest details as read, and whether this call enabled it. */
export type ConnectResult =
  | { ok: true; reenabled: boolean; ingest: IngestDetails; snapshot: LiveInputSnapshot }
  | ReadFailure;

type CallOutcome = { ok: true; input: LiveInput } | ReadFailure;

/** While dashboards listen, the holder wakes this often to refresh and to send heartbeats. */
const TICK_MS = 5_000;
/** A subscriber this many events behind is not reading: it is dropped and may reconnect. */
const MAX_QUEUED_EVENTS = 64;
const LOG_KEY = "log";

interface Subscriber {
  writer: WritableStreamDefaultWriter<Uint8Array>;
  channel: string;
  binding: ChannelBinding;
  caller: Caller;
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
 * concurrent misses share one read. Each read is paid for from the asking tenant's share of the
 * Cloudflare API budget, before it is sent; a status that cannot be refreshed (Cloudflare failing,
 * or the share spent) is served stale for a while, and a failed read is not retried within the
 * refresh interval (or Cloudflare's Retry-After). Notifications land here too; news older than what
 * is held is ignored, and each change goes out at once to every subscribed event stream.
 */
export class ChannelStatus extends DurableObject<HolderEnv> {
  private log = new StatusLog(undefined);
  /** When the held status was last confirmed: a read from Cloudflare, or a notification. */
  private readAt = 0;
  /** The live input as last read, with its ingest details, for connect; when, and with which token. */
  private lastRead: { input: LiveInput; at: number; apiToken: string } | undefined;
  /** Why the last refresh failed, and when the next may be tried; the status is stale meanwhile. */
  private failure: { outcome: ReadFailure; retryAt: number } | undefined;
  private inflight: Promise<CallOutcome> | undefined;
  /** Concurrent connects to a disabled input share one re-enabling call. */
  private enabling: Promise<CallOutcome> | undefined;
  private liveInputId: string | undefined;
  private readonly subscribers = new Set<Subscriber>();
  private ticker: ReturnType<typeof setInterval> | undefined;

  constructor(ctx: DurableObjectState, env: HolderEnv) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      this.log = new StatusLog(await ctx.storage.get(LOG_KEY));
    });
  }

  /** The status, read again once the refresh interval (or `maxAgeMs`, when shorter) has passed. */
  async current(liveInputId: string, caller: Caller, maxAgeMs = STATUS_REFRESH_MS): Promise<SnapshotResult> {
    this.liveInputId = liveInputId;
    const held = this.log.snapshot;
    if (held && Date.now() - this.readAt < Math.min(maxAgeMs, STATUS_REFRESH_MS))
      return { ok: true, snapshot: held, stale: false };
    const outcome = await this.refresh(liveInputId, caller);
    return outcome.ok ? { ok: true, snapshot: this.log.snapshot!, stale: false } : this.fallback(outcome);
  }

  /**
   * Keeps the channel ready: the live input as read within the refresh interval with the caller's
   * token (so repeated connects cost no more than status reads), enabled again if it was disabled.
   */
  async keepReady(liveInputId: string, caller: Caller): Promise<ConnectResult> {
    this.liveInputId = liveInputId;
    const last = this.lastRead;
    const fresh = last && last.apiToken === caller.apiToken && Date.now() - last.at < STATUS_REFRESH_MS;
    let input = fresh ? last.input : undefined;
    if (!input) {
      let read = await this.refresh(liveInputId, caller);
      // That read was made with another token (a switch in progress): read again with the caller's.
      if (read.ok && this.lastRead?.apiToken !== caller.apiToken) {
        read = await this.call(caller, (stream) => stream.getLiveInput(liveInputId));
      }
      if (!read.ok) return read;
      input = read.input;
    }
    if (input.enabled)
      return { ok: true, reenabled: false, ingest: ingestView(input), snapshot: this.log.snapshot! };
    this.enabling ??= this.call(caller, (stream) => stream.enableLiveInput(liveInputId)).finally(() => {
      this.enabling = undefined;
    });
    const enabled = await this.enabling;
    if (!enabled.ok) return enabled;
    return { ok: true, reenabled: true, ingest: ingestView(enabled.input), snapshot: this.log.snapshot! };
  }

  /** A live input notification, as of its `updated_at` in ns (decimal; the Worker parsed it). */
  async notify(data: LiveInputNotification["data"], asOfNs: string, caller: Caller): Promise<WebhookOutcome> {
    // `enabled` is not in a notification: take it from a read when nothing is held yet.
    if (!this.log.snapshot) await this.current(data.input_id, caller);
    const enabled = this.log.snapshot?.enabled ?? true;
    const outcome = await this.learn(snapshotOfNotification(data, enabled, new Date()), BigInt(asOfNs));
    if (outcome === "applied") this.readAt = Date.now();
    return outcome;
  }

  /**
   * `GET events`: the status at connect (or the changes missed since `Last-Event-ID`), then every
   * change, with heartbeats. Answers the read failure as JSON when no status could be had at all.
   */
  override async fetch(request: Request): Promise<Response> {
    const ask = (await request.json()) as EventsRequest;
    const result = await this.current(ask.liveInputId, ask.caller);
    if (!result.ok && !this.log.snapshot) return Response.json(result, { status: 502 });
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const subscriber: Subscriber = {
      writer: writable.getWriter(),
      channel: ask.channel,
      binding: { liveInputId: ask.liveInputId, playbackBase: ask.playbackBase },
      caller: ask.caller,
      lastWriteAt: 0,
    };
    subscriber.writer.closed.catch(() => this.unsubscribe(subscriber));
    this.write(subscriber, sseRetry(RECONNECT_DELAY_MS));
    const missed = this.log.since(ask.lastEventId);
    // Up to date but stale: say so, since the stale mark is news the client may not have seen.
    if (missed.length === 0 && this.failure && this.log.current) missed.push(this.log.current);
    for (const event of missed) this.write(subscriber, this.frame(subscriber, event));
    this.subscribers.add(subscriber);
    this.ticker ??= setInterval(() => this.tick(), TICK_MS);
    return new Response(readable, { headers: SSE_HEADERS });
  }

  /** One read at a time; after a failed one, its failure until the next may be tried. */
  private refresh(liveInputId: string, caller: Caller): Promise<CallOutcome> {
    if (this.failure && Date.now() < this.failure.retryAt) return Promise.resolve(this.failure.outcome);
    this.inflight ??= this.call(caller, (stream) => stream.getLiveInput(liveInputId))
      .then((outcome) => this.settle(outcome))
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  /**
   * A call with the caller's Cloudflare API token, each attempt paid for from the caller's share
   * before it is sent; the live input it answers with is learned.
   */
  private async call(
    caller: Caller,
    send: (stream: StreamClient) => Promise<LiveInput>,
  ): Promise<CallOutcome> {
    const admitted = await this.admit(caller.tenantId);
    if (!admitted.ok) return admitted;
    const startedAt = Date.now();
    try {
      const config = { ...requireConfig(this.env, NEEDS.stream), STREAM_API_TOKEN: caller.apiToken };
      const stream = new StreamClient(config, {
        admitRetry: async () => (await this.admit(caller.tenantId)).ok,
      });
      const input = await send(stream);
      this.readAt = Date.now();
      this.lastRead = { input, at: this.readAt, apiToken: caller.apiToken };
      const wasStale = this.failure !== undefined;
      this.failure = undefined;
      // As of when the read started: a notification that arrived meanwhile may well be newer.
      const outcome = await this.learn(snapshotOf(input, new Date(startedAt)), nowNs(startedAt), startedAt);
      if (wasStale && outcome !== "applied" && this.log.current) this.publish(this.log.current);
      return { ok: true, input };
    } catch (error) {
      if (error instanceof UpstreamError) return { ok: false, error: error.toJSON() };
      throw error;
    }
  }

  /** A failed read is not tried again within the refresh interval, nor before Cloudflare's Retry-After. */
  private settle(outcome: CallOutcome): CallOutcome {
    if (outcome.ok) return outcome;
    const waitMs =
      "refused" in outcome
        ? outcome.refused.retryAfterSeconds * 1000
        : Math.max(STATUS_REFRESH_MS, (outcome.error.retryAfterSeconds ?? 0) * 1000);
    const turnsStale = this.failure === undefined;
    this.failure = { outcome, retryAt: Date.now() + waitMs };
    if (turnsStale && this.log.current) this.publish(this.log.current);
    return outcome;
  }

  /** The last known status, marked stale, while it is recent enough; else the failure itself. */
  private fallback(failure: ReadFailure): SnapshotResult {
    const held = this.log.snapshot;
    const recent = held !== undefined && Date.now() - Date.parse(held.checkedAt) <= STALE_STATUS_MAX_MS;
    return recent ? { ok: true, snapshot: held, stale: true } : failure;
  }

  /** One call's worth of the tenant's share of the Cloudflare API budget. */
  private async admit(tenantId: string): Promise<{ ok: true } | ReadFailure> {
    const { TENANTS } = requireConfig(this.env, NEEDS.stream);
    const shares = tenantId === PROBE_CALLER ? PROBE_SHARES : sharesOf(TENANTS, tenantId);
    if (!shares) throw new Error(`tenant ${tenantId} is not in TENANTS`);
    const result = await tenantBudget(this.env, tenantId).take([BUDGETS.cloudflareApi(shares)]);
    return result.allowed ? { ok: true } : { ok: false, refused: refusalOf(result) };
  }

  private async learn(
    snapshot: LiveInputSnapshot,
    asOfNs: bigint,
    readStartedAtMs?: number,
  ): Promise<ApplyOutcome> {
    const outcome = this.log.apply(snapshot, asOfNs, readStartedAtMs);
    if (outcome === "stale") return outcome;
    await this.ctx.storage.put(LOG_KEY, this.log.toJSON());
    if (outcome === "applied") this.publish(this.log.current!);
    return outcome;
  }

  private publish(event: StatusEvent): void {
    for (const subscriber of this.subscribers) this.write(subscriber, this.frame(subscriber, event));
  }

  private frame(subscriber: Subscriber, event: StatusEvent): string {
    const status = statusView(
      subscriber.channel,
      subscriber.binding,
      event.snapshot,
      this.failure !== undefined,
    );
    return sseEvent(event.id, STATUS_EVENT, status);
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
    const [listener] = this.subscribers;
    if (this.liveInputId && listener) void this.current(this.liveInputId, listener.caller);
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

/** Whom a route's calls to a holder are for: the tenant, with this Worker's API token. */
export const holderCaller = (env: object, tenantId: string): Caller => ({
  tenantId,
  apiToken: requireConfig(env, NEEDS.stream).STREAM_API_TOKEN,
});
