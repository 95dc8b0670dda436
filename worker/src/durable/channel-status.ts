import { DurableObject } from "cloudflare:workers";
import type { WebhookOutcome } from "#contracts/api/webhook.ts";
import type { LiveInputNotification } from "#contracts/cloudflare/notifications.ts";
import { isConnectedState, type LiveInput } from "#contracts/cloudflare/stream.ts";
import { signPlaybackToken } from "#contracts/playback-token.ts";
import { SharedCall } from "#contracts/shared-call.ts";
import { SSE_HEADERS } from "#contracts/sse.ts";
import { type ChannelBinding, ingestView } from "../channels.ts";
import { type ConfigBindings, NEEDS, requireConfig } from "../config.ts";
import { playbackSigner } from "../playback-signer.ts";
import { REFRESH_CALLER, signedInputsOf } from "../tenants.ts";
import { StreamDelivery } from "../upstream/delivery.ts";
import { UpstreamError } from "../upstream/http.ts";
import { StreamClient } from "../upstream/stream.ts";
import { type AdmissionEnv, admitApiCall } from "./api-admission.ts";
import { ReadBackoff } from "./read-backoff.ts";
import { StatusFanOut } from "./status-fan-out.ts";
import { type ApplyOutcome, nowNs, StatusLog, type StatusLogState } from "./status-log.ts";
import type { ConnectResult, ReadFailure, SnapshotResult } from "./status-result.ts";
import {
  type LiveInputSnapshot,
  STALE_STATUS_MAX_MS,
  STATUS_REFRESH_MS,
  snapshotOf,
  snapshotOfLifecycle,
} from "./status-snapshot.ts";

/**
 * Whom a channel status object reads for: the tenant whose share pays, and the Worker's Cloudflare API token as
 * the calling Worker has it. A running object keeps the code and bindings of an older deploy for
 * up to 5 minutes after a new one (docs/reference/cloudflare-api.md §6.5), so the object reads
 * with the caller's token: a switch to a new token takes effect at once, and a check of it through
 * connect (rotation's verify) reads with it.
 */
export interface Caller {
  tenantId: string;
  apiToken: string;
}

/** How the Worker asks a channel status object for an event stream (`fetch`, since streams are what it carries). */
export interface EventsRequest {
  liveInputId: string;
  channel: string;
  playbackBase: string;
  signed: boolean;
  outputs: ChannelBinding["outputs"];
  lastEventId: string | undefined;
  /** The subscribing tenant, whose share pays for the reads that keep the stream current. */
  caller: Caller;
}

type CallOutcome = { ok: true; input: LiveInput } | ReadFailure;
type Outcome = { ok: true } | ReadFailure;

/** The live input as last read from the API, kept in storage: what a stale connect answers with. */
interface HeldInput {
  input: LiveInput;
  /** When it was read, in ms since the epoch. */
  readAt: number;
}

const LOG_KEY = "log";
const INPUT_KEY = "input";

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
 * A channel's status, one Durable Object per live input: every reader of a channel's status goes
 * through it, so any number of dashboards cost one check per refresh interval, and concurrent
 * misses share one. Liveness is checked on Stream's delivery host (`/lifecycle`), which costs
 * nothing of the Worker's API budget; the API is read for what only it tells (`enabled`, ingest
 * details): on first contact, by connect, and by the status sweep, each read paid for from a share
 * of the budget before it is sent. A status that cannot be refreshed is served stale for a while,
 * and a failed check is not retried within the refresh interval (or Cloudflare's Retry-After).
 * Notifications land here too; news older than what is held is ignored, and each change goes out
 * at once to every subscribed event stream. The jobs are split: concurrent calls share one
 * (`SharedCall`), failed refreshes back off (`ReadBackoff`), each API call is paid for first
 * (`admitApiCall`), and event streams are fed by `StatusFanOut`; this class says when each runs.
 */
/** What a channel's status object reads: the stack's config, and the budgets its API calls pay from. */
export type ChannelStatusEnv = AdmissionEnv;

export class ChannelStatus extends DurableObject<ChannelStatusEnv> {
  private log = new StatusLog(undefined);
  /** When the held status was last confirmed: a check on Cloudflare, or a notification. */
  private readAt = 0;
  /** The live input as last read from the API; in storage, so that an outage finds it after eviction. */
  private held: HeldInput | undefined;
  /** The API token `held` was read with (in memory only): connect reuses a read of its own token. */
  private heldWith: string | undefined;
  /** Why the last status refresh failed, and when the next may be tried; the status is stale meanwhile. */
  private readonly backoff = new ReadBackoff();
  private readonly refreshing = new SharedCall<Outcome>();
  /** Concurrent reads of the live input from the API share one call. */
  private readonly reading = new SharedCall<CallOutcome>();
  /** Concurrent connects to a disabled input share one re-enabling call. */
  private readonly enabling = new SharedCall<CallOutcome>();
  private liveInputId: string | undefined;
  private readonly fanOut = new StatusFanOut<Caller>({
    stale: () => this.backoff.stale,
    refresh: (caller) => {
      if (this.liveInputId) void this.current(this.liveInputId, caller);
    },
  });

  constructor(ctx: DurableObjectState, env: ChannelStatusEnv) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      const stored = await ctx.storage.get<StatusLogState | HeldInput>([LOG_KEY, INPUT_KEY]);
      this.log = new StatusLog(stored.get(LOG_KEY) as StatusLogState | undefined);
      this.held = stored.get(INPUT_KEY) as HeldInput | undefined;
    });
  }

  /**
   * The status, checked again once the refresh interval (or `maxAgeMs`, when shorter) has passed:
   * on the delivery host, or with `fromApi` (the probes, which must see `enabled` as it is now) by
   * a read from the API, paid from the caller's share.
   */
  async current(
    liveInputId: string,
    caller: Caller,
    maxAgeMs = STATUS_REFRESH_MS,
    fromApi = false,
  ): Promise<SnapshotResult> {
    this.liveInputId = liveInputId;
    const held = this.log.snapshot;
    if (held && Date.now() - this.readAt < Math.min(maxAgeMs, STATUS_REFRESH_MS))
      return { ok: true, snapshot: held, stale: false };
    const outcome = await this.refresh(liveInputId, caller, fromApi);
    return outcome.ok ? { ok: true, snapshot: this.log.snapshot!, stale: false } : this.fallback(outcome);
  }

  /**
   * Keeps the channel ready: the live input as read within the refresh interval with the caller's
   * token (so repeated connects cost no more than one read), enabled again if it was disabled.
   * When Cloudflare cannot be read, the input held from the last read answers, marked stale, and
   * nothing is re-enabled; when re-enabling fails, the fresh read answers and says so.
   */
  async keepReady(liveInputId: string, caller: Caller): Promise<ConnectResult> {
    this.liveInputId = liveInputId;
    const held = this.held;
    const fresh = held && this.heldWith === caller.apiToken && Date.now() - held.readAt < STATUS_REFRESH_MS;
    if (!fresh) {
      const read = await this.read(liveInputId, caller, [caller.tenantId]);
      // That read was made with another token (a switch in progress): read again with the caller's.
      const again =
        read.ok && this.heldWith !== caller.apiToken
          ? await this.call(caller, [caller.tenantId], (stream) => stream.getLiveInput(liveInputId))
          : read;
      if (!again.ok) return this.staleConnect(again);
    }
    const { input, readAt } = this.held!;
    const answer = { ok: true as const, reenabled: false, ingest: ingestView(input), ingestReadAt: readAt };
    if (input.enabled) return { ...answer, snapshot: this.log.snapshot! };
    const enabled = await this.enabling.run(() =>
      this.call(caller, [caller.tenantId], (stream) => stream.enableLiveInput(liveInputId)),
    );
    if (!enabled.ok) {
      return { ...answer, snapshot: this.log.snapshot!, degraded: { stale: false, failure: enabled } };
    }
    return {
      ...answer,
      reenabled: true,
      ingest: ingestView(enabled.input),
      ingestReadAt: this.held!.readAt,
      snapshot: this.log.snapshot!,
    };
  }

  /**
   * The status sweep's read of the live input from the API (worker/src/refresh-channels.ts), paid
   * from the sweep's own share: it keeps `enabled` and the held ingest details current.
   */
  async sweep(liveInputId: string, caller: Caller): Promise<"read" | "refused" | "failed"> {
    this.liveInputId = liveInputId;
    const read = await this.read(liveInputId, caller, [caller.tenantId]);
    return read.ok ? "read" : "refused" in read ? "refused" : "failed";
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
    const missed = this.log.since(ask.lastEventId);
    // Up to date but stale: say so, since the stale mark is news the client may not have seen.
    if (missed.length === 0 && this.backoff.stale && this.log.current) missed.push(this.log.current);
    const binding = {
      liveInputId: ask.liveInputId,
      playbackBase: ask.playbackBase,
      signed: ask.signed,
      outputs: ask.outputs,
    };
    const readable = this.fanOut.open({ channel: ask.channel, binding, caller: ask.caller }, missed);
    return new Response(readable, { headers: SSE_HEADERS });
  }

  /**
   * One status refresh at a time; after a failed one, its failure until the next may be tried.
   * With a status held, the delivery host says whether it is live; with none, the API is read
   * first (`enabled` comes from nowhere else), paid by the caller or else by the sweep's share,
   * since knowing its own inputs at all is the Worker's cost more than the asking tenant's.
   */
  private refresh(liveInputId: string, caller: Caller, fromApi: boolean): Promise<Outcome> {
    const blocked = this.backoff.blocked();
    if (blocked) return Promise.resolve(blocked);
    const payers = this.log.snapshot ? [caller.tenantId] : [caller.tenantId, REFRESH_CALLER];
    return this.refreshing.run(() =>
      (this.log.snapshot && !fromApi
        ? this.observe(liveInputId)
        : this.read(liveInputId, caller, payers)
      ).then((outcome) => this.settle(outcome)),
    );
  }

  /** Whether the input is live, from the delivery host: a check that costs no API call. */
  private async observe(liveInputId: string): Promise<Outcome> {
    const startedAt = Date.now();
    try {
      const { TENANTS } = requireConfig(this.env, NEEDS.stream);
      const pathId = signedInputsOf(TENANTS).has(liveInputId)
        ? await lifecycleToken(this.env, liveInputId)
        : liveInputId;
      const delivery = new StreamDelivery(TENANTS.playbackBase);
      const { live } = await delivery.lifecycle(pathId);
      // The count comes with the same check, from the same host and token: no call per request.
      const counted = live && !this.held?.input.recording.hideLiveViewerCount;
      const viewers = counted ? await delivery.viewers(pathId) : undefined;
      this.readAt = Date.now();
      const snapshot = snapshotOfLifecycle(live, this.log.snapshot!, new Date(startedAt), viewers);
      await this.confirmed(snapshot, startedAt);
      return { ok: true };
    } catch (error) {
      if (error instanceof UpstreamError) return { ok: false, error: error.toJSON() };
      throw error;
    }
  }

  /** The live input from the API; concurrent reads share one, whoever asked. */
  private read(liveInputId: string, caller: Caller, payers: string[]): Promise<CallOutcome> {
    return this.reading.run(() => this.call(caller, payers, (stream) => stream.getLiveInput(liveInputId)));
  }

  /**
   * A call with the caller's Cloudflare API token, each attempt paid for before it is sent, from
   * the first of `payers` whose share has room; the live input it answers with is learned and held.
   */
  private async call(
    caller: Caller,
    payers: string[],
    send: (stream: StreamClient) => Promise<LiveInput>,
  ): Promise<CallOutcome> {
    const admitted = await admitApiCall(this.env, payers);
    if (!admitted.ok) return admitted;
    const startedAt = Date.now();
    try {
      const config = { ...requireConfig(this.env, NEEDS.stream), STREAM_API_TOKEN: caller.apiToken };
      const stream = new StreamClient(config, {
        admitRetry: async () => (await admitApiCall(this.env, [admitted.payer])).ok,
      });
      const input = await send(stream);
      this.readAt = Date.now();
      await this.hold({ input, readAt: this.readAt }, caller.apiToken);
      // As of when the read started: a notification that arrived meanwhile may well be newer.
      const read = snapshotOf(input, new Date(startedAt), this.log.snapshot?.viewers);
      await this.confirmed(read, startedAt);
      return { ok: true, input };
    } catch (error) {
      if (error instanceof UpstreamError) return { ok: false, error: error.toJSON() };
      throw error;
    }
  }

  /** Cloudflare answered: the status is no longer stale, and what it said is learned. */
  private async confirmed(snapshot: LiveInputSnapshot, startedAt: number): Promise<void> {
    const wasStale = this.backoff.recovered();
    const outcome = await this.learn(snapshot, nowNs(startedAt), startedAt);
    if (wasStale && outcome !== "applied" && this.log.current) this.fanOut.publish(this.log.current);
  }

  private async hold(held: HeldInput, apiToken: string): Promise<void> {
    this.held = held;
    this.heldWith = apiToken;
    await this.ctx.storage.put(INPUT_KEY, held);
  }

  /** Connect when Cloudflare cannot be read: the held input, marked stale; else the failure. */
  private staleConnect(failure: ReadFailure): ConnectResult {
    const held = this.held;
    if (!held) return failure;
    return {
      ok: true,
      reenabled: false,
      ingest: ingestView(held.input),
      ingestReadAt: held.readAt,
      snapshot: this.log.snapshot ?? snapshotOf(held.input, new Date(held.readAt)),
      degraded: { stale: true, failure },
    };
  }

  /** A failed refresh backs off; the status turning stale is news for the event streams. */
  private settle(outcome: Outcome): Outcome {
    if (outcome.ok) return outcome;
    if (this.backoff.failed(outcome) && this.log.current) this.fanOut.publish(this.log.current);
    return outcome;
  }

  /** The last known status, marked stale, while it is recent enough; else the failure itself. */
  private fallback(failure: ReadFailure): SnapshotResult {
    const held = this.log.snapshot;
    const recent = held !== undefined && Date.now() - Date.parse(held.checkedAt) <= STALE_STATUS_MAX_MS;
    return recent ? { ok: true, snapshot: held, stale: true } : failure;
  }

  private async learn(
    snapshot: LiveInputSnapshot,
    asOfNs: bigint,
    readStartedAtMs?: number,
  ): Promise<ApplyOutcome> {
    const outcome = this.log.apply(snapshot, asOfNs, readStartedAtMs);
    if (outcome === "stale") return outcome;
    await this.ctx.storage.put(LOG_KEY, this.log.toJSON());
    if (outcome === "applied") this.fanOut.publish(this.log.current!);
    return outcome;
  }
}

/** The live input's channel status object: one per live input, whichever tenant asks. */
export const channelStatusOf = (
  env: { CHANNEL_STATUS: DurableObjectNamespace<ChannelStatus> },
  liveInputId: string,
) => env.CHANNEL_STATUS.get(env.CHANNEL_STATUS.idFromName(liveInputId));

/** Whom a route's calls to a channel status object are for: the tenant, with this Worker's API token. */
export const channelStatusCaller = (env: object, tenantId: string): Caller => ({
  tenantId,
  apiToken: requireConfig(env, NEEDS.stream).STREAM_API_TOKEN,
});

/** How long the object's own token for a private input's lifecycle and viewers lives: one check's worth. */
const LIFECYCLE_TOKEN_SECONDS = 60;

/**
 * A private input's lifecycle is read through a short token of the Worker's own: the Stream Player
 * reaches it with a token, and whether the bare uid is refused is undocumented
 * (docs/reference/cloudflare-api.md §11.3), so the object does what works either way.
 */
async function lifecycleToken(env: ConfigBindings, liveInputId: string): Promise<string> {
  const config = requireConfig(env, NEEDS.playback);
  return signPlaybackToken(await playbackSigner(config), {
    sub: liveInputId,
    exp: Math.floor(Date.now() / 1000) + LIFECYCLE_TOKEN_SECONDS,
  });
}
