import { HEARTBEAT_INTERVAL_MS, STATUS_EVENT } from "#contracts/api/event-stream.ts";
import type { ChannelStatusView } from "#contracts/api/stream.ts";
import { SseReader } from "#contracts/sse.ts";
import { ApiCallError, messageOf } from "./api.ts";
import type { Session } from "./session.ts";
import type { PollListener } from "./status-poll.ts";

/** How the channel's live updates are doing. */
export type FeedState = { kind: "connecting" } | { kind: "live" } | { kind: "reconnecting"; retryAt: number };

export interface FeedListener extends PollListener {
  feed(state: FeedState): void;
}

/** Waits between reconnection attempts, each with ±20 % jitter so that dashboards do not stampede. */
const BACKOFF_MS = [1_000, 2_000, 4_000, 8_000, 15_000, 30_000];
/** A stream silent for three heartbeats is dead even if the network has not said so. */
const WATCHDOG_MS = 3 * HEARTBEAT_INTERVAL_MS;

/**
 * One channel's status, pushed: server-sent events read with fetch (so that the token travels in a
 * header, never in a URL), resumed with Last-Event-ID after a drop, with backoff between attempts;
 * the first drop asks for a poll, so that the card is current while the stream reconnects.
 */
export class StatusFeed {
  private controller: AbortController | undefined;
  private lastEventId: string | undefined;
  private attempt = 0;
  private stopped = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private watchdog: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly channel: string,
    private readonly session: Session,
    private readonly listener: FeedListener,
    private readonly poll: () => void,
  ) {}

  start(): void {
    this.listener.feed({ kind: "connecting" });
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.controller?.abort();
    clearTimeout(this.retryTimer);
    clearTimeout(this.watchdog);
  }

  private async connect(): Promise<void> {
    const controller = new AbortController();
    this.controller = controller;
    try {
      const res = await fetch(`/api/stream/events?channel=${encodeURIComponent(this.channel)}`, {
        headers: {
          accept: "text/event-stream",
          "x-tenant-id": this.session.tenant,
          authorization: `Bearer ${this.session.token()}`,
          ...(this.lastEventId ? { "last-event-id": this.lastEventId } : {}),
        },
        cache: "no-store",
        signal: controller.signal,
      });
      if (!res.ok || !res.body) throw await refusal(res);
      this.attempt = 0;
      this.listener.feed({ kind: "live" });
      await this.read(res.body, controller);
    } catch (error) {
      if (this.stopped) return;
      if (error instanceof ApiCallError) {
        if (error.signedOut) return this.session.end("The dashboard session has ended: sign in again.");
        this.listener.unavailable(messageOf(error));
      }
    } finally {
      clearTimeout(this.watchdog);
    }
    if (!this.stopped) this.reconnectLater();
  }

  private async read(body: ReadableStream<BufferSource>, controller: AbortController): Promise<void> {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    const events = new SseReader();
    for (;;) {
      clearTimeout(this.watchdog);
      this.watchdog = setTimeout(() => controller.abort(), WATCHDOG_MS);
      const { value, done } = await reader.read();
      if (done) return;
      // Heartbeats (comments) only keep the watchdog quiet.
      for (const message of events.push(value)) {
        if (message.id !== undefined) this.lastEventId = message.id;
        if (message.event === STATUS_EVENT && message.data)
          this.listener.status(JSON.parse(message.data) as ChannelStatusView);
      }
    }
  }

  private reconnectLater(): void {
    const base = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)]!;
    this.attempt += 1;
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    this.listener.feed({ kind: "reconnecting", retryAt: Date.now() + delay });
    if (this.attempt === 1) this.poll();
    this.retryTimer = setTimeout(() => void this.connect(), delay);
  }
}

/** The Worker's envelope error for a refused stream, as an ApiCallError. */
async function refusal(res: Response): Promise<ApiCallError> {
  try {
    const body = (await res.json()) as { error: { code: string; message: string } };
    return new ApiCallError(res.status, body.error.code, body.error.message);
  } catch {
    return new ApiCallError(res.status, "unreadable", `The event stream answered HTTP ${res.status}`);
  }
}
