import { HEARTBEAT_INTERVAL_MS, STATUS_EVENT } from "#contracts/api/event-stream.ts";
import type { ChannelStatusView, TenantStreamStatus } from "#contracts/api/stream.ts";
import { SharedCall } from "#contracts/shared-call.ts";
import { ApiError } from "./api-error.ts";
import type { RouteMethods } from "./methods.ts";
import { jitter, sleep } from "./retry.ts";

/** How one channel's live updates are doing; `reconnecting` means its status may be out of date until `retryAt`. */
export type ChannelFeedState =
  | { kind: "connecting" }
  | { kind: "live" }
  | { kind: "reconnecting"; retryAt: number };

export interface WatchListener {
  /** A channel's status, only ever newer than the last one given for that channel. */
  status(status: ChannelStatusView): void;
  /** The Worker answered without a status (Cloudflare failing, say): the last one shown is no longer known good. */
  unavailable?(channel: string, error: ApiError): void;
  feed?(channel: string, state: ChannelFeedState): void;
  /** The credential was refused (401 or 403): everything has stopped; sign in or mint again. */
  ended?(error: ApiError): void;
}

export interface WatchOptions {
  /** Every channel's status is polled this often whatever the streams do. Default 30 s. */
  pollIntervalMs?: number;
  /** Waits between reconnection attempts (the last repeats), each with ±20 % jitter. */
  backoffMs?: readonly number[];
  /** Stops the watch, as `stop()` does. */
  signal?: AbortSignal;
}

export interface ChannelWatch {
  /** Every watched channel's status now, in one request (a poll already on its way is reused). */
  poll(): Promise<void>;
  stop(): void;
}

/** The two routes the watch uses: the server client, or the browser's with a dashboard token. */
export type WatchClient = RouteMethods<"streamEvents" | "streamStatus">;

const DEFAULT_POLL_INTERVAL_MS = 30_000;
/** Dashboards of many operators must not reconnect in step: jittered, growing waits. */
const DEFAULT_BACKOFF_MS = [1_000, 2_000, 4_000, 8_000, 15_000, 30_000];
/** A stream silent for three heartbeats is dead even if the network has not said so. */
const WATCHDOG_MS = 3 * HEARTBEAT_INTERVAL_MS;

/**
 * Channels' statuses kept current: one event stream per channel (`GET /api/stream/events`),
 * resumed with `Last-Event-ID` after a drop so that nothing in between is missed, reconnected with
 * jittered backoff; a poll of every channel in one request on the first drop (so that statuses are
 * current while a stream reconnects) and at an interval (in case a stream fails silently).
 */
export function watchChannels(
  client: WatchClient,
  channels: readonly string[],
  listener: WatchListener,
  options: WatchOptions = {},
): ChannelWatch {
  const controller = new AbortController();
  const latest = new Map<string, number>();
  const backoff = options.backoffMs ?? DEFAULT_BACKOFF_MS;
  const polling = new SharedCall<void>();

  const stopped = () => controller.signal.aborted;
  const stop = () => {
    controller.abort();
    clearInterval(pollTimer);
  };
  const end = (error: ApiError) => {
    stop();
    listener.ended?.(error);
  };
  const deliver = (status: ChannelStatusView) => {
    const at = Date.parse(status.checked_at);
    if (at < (latest.get(status.channel) ?? Number.NEGATIVE_INFINITY)) return;
    latest.set(status.channel, at);
    listener.status(status);
  };
  const unavailable = (channel: string, error: ApiError) => {
    latest.delete(channel);
    listener.unavailable?.(channel, error);
  };

  const fetchAll = async () => {
    try {
      const answer = (await client.streamStatus({}, { signal: controller.signal })) as TenantStreamStatus;
      for (const status of answer.channels) if (channels.includes(status.channel)) deliver(status);
    } catch (error) {
      if (stopped() || !(error instanceof ApiError)) return;
      if (error.unauthorized) end(error);
      else for (const channel of channels) unavailable(channel, error);
    }
  };
  const poll = () => polling.run(fetchAll);

  const follow = async (channel: string) => {
    let lastEventId: string | undefined;
    listener.feed?.(channel, { kind: "connecting" });
    for (let attempt = 0; !stopped(); ) {
      let watchdog: ReturnType<typeof setTimeout> | undefined;
      let retryAfter: number | undefined;
      try {
        const stream = await client.streamEvents(
          { channel },
          { signal: controller.signal, retry: false, ...(lastEventId ? { lastEventId } : {}) },
        );
        listener.feed?.(channel, { kind: "live" });
        const arm = () => {
          clearTimeout(watchdog);
          watchdog = setTimeout(() => stream.close(), WATCHDOG_MS);
        };
        arm();
        for await (const message of stream) {
          arm();
          if (message.type === "heartbeat") continue;
          // The backoff starts again only once the stream has carried an event: one that the server
          // accepts and then drops, or whose event fails its check, is not a recovery.
          attempt = 0;
          if (message.id !== undefined) lastEventId = message.id;
          if (message.event === STATUS_EVENT) deliver(message.data);
        }
      } catch (error) {
        if (stopped()) return;
        if (error instanceof ApiError) {
          if (error.unauthorized) return end(error);
          unavailable(channel, error);
          retryAfter = error.retryAfter;
        }
      } finally {
        clearTimeout(watchdog);
      }
      if (stopped()) return;
      // A 429's Retry-After is the least wait; the backoff may ask for more.
      const delay = Math.max(
        jitter(backoff[Math.min(attempt, backoff.length - 1)]!),
        (retryAfter ?? 0) * 1000,
      );
      attempt += 1;
      listener.feed?.(channel, { kind: "reconnecting", retryAt: Date.now() + delay });
      if (attempt === 1) void poll();
      await sleep(delay, controller.signal);
    }
  };

  const pollTimer = setInterval(() => void poll(), options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS);
  // A signal already aborted never fires "abort": such a watch stops before it starts.
  if (options.signal?.aborted) stop();
  else options.signal?.addEventListener("abort", stop, { once: true });
  for (const channel of channels) void follow(channel);
  return { poll, stop };
}
