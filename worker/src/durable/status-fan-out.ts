import { HEARTBEAT_INTERVAL_MS, RECONNECT_DELAY_MS, STATUS_EVENT } from "#contracts/api/event-stream.ts";
import { SSE_HEARTBEAT, sseEvent, sseRetry } from "#contracts/sse.ts";
import { type ChannelBinding, statusView } from "../channels.ts";
import type { StatusEvent } from "./status-log.ts";

/** While dashboards listen, the channel status object wakes this often to refresh and to send heartbeats. */
const TICK_MS = 5_000;
/** A subscriber this many events behind is not reading: it is dropped and may reconnect. */
const MAX_QUEUED_EVENTS = 64;

const encoder = new TextEncoder();

/** One event stream: the channel it shows the status as, and whom its refreshes read for. */
interface StreamView<C> {
  channel: string;
  binding: ChannelBinding;
  caller: C;
}

interface Subscriber<C> extends StreamView<C> {
  writer: WritableStreamDefaultWriter<Uint8Array>;
  lastWriteAt: number;
}

/**
 * A channel's event streams: each change goes out at once to every subscriber, marked stale while
 * the status is; a subscriber that stops reading is dropped. While any listen, a tick asks for a
 * refresh (for the first subscriber's tenant) and sends heartbeats on streams that were quiet.
 */
export class StatusFanOut<C> {
  private readonly subscribers = new Set<Subscriber<C>>();
  private ticker: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly status: { stale: () => boolean; refresh: (caller: C) => void }) {}

  /** A new event stream, which starts with `missed` (the status at connect, or what it missed). */
  open(view: StreamView<C>, missed: StatusEvent[]): ReadableStream<Uint8Array> {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const subscriber: Subscriber<C> = { ...view, writer: writable.getWriter(), lastWriteAt: 0 };
    subscriber.writer.closed.catch(() => this.unsubscribe(subscriber));
    this.write(subscriber, sseRetry(RECONNECT_DELAY_MS));
    for (const event of missed) this.write(subscriber, this.frame(subscriber, event));
    this.subscribers.add(subscriber);
    this.ticker ??= setInterval(() => this.tick(), TICK_MS);
    return readable;
  }

  publish(event: StatusEvent): void {
    for (const subscriber of this.subscribers) this.write(subscriber, this.frame(subscriber, event));
  }

  private frame(subscriber: Subscriber<C>, event: StatusEvent): string {
    const view = statusView(subscriber.channel, subscriber.binding, event.snapshot, this.status.stale());
    return sseEvent(event.id, STATUS_EVENT, view);
  }

  private write(subscriber: Subscriber<C>, text: string): void {
    const { writer } = subscriber;
    if ((writer.desiredSize ?? 0) < -MAX_QUEUED_EVENTS) {
      this.unsubscribe(subscriber);
      return;
    }
    subscriber.lastWriteAt = Date.now();
    writer.write(encoder.encode(text)).catch(() => this.unsubscribe(subscriber));
  }

  private unsubscribe(subscriber: Subscriber<C>): void {
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
    if (listener) this.status.refresh(listener.caller);
    const due = Date.now() - (HEARTBEAT_INTERVAL_MS - TICK_MS);
    for (const subscriber of this.subscribers) {
      if (subscriber.lastWriteAt <= due) this.write(subscriber, SSE_HEARTBEAT);
    }
  }
}
