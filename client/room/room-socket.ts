import { ROOM_HEARTBEAT_INTERVAL_MS, ROOM_PING, ROOM_PONG } from "#contracts/api/room-protocol.ts";
import type { RoomClientMessage, RoomServerMessage } from "#contracts/api/rooms.ts";
import { jitter } from "../retry.ts";
import { shapeAnswers } from "../shape-answers.ts";

/**
 * The code this client closes a socket with when the room stopped answering its pings, apart from
 * the room's own (worker/src/durable/room.ts: 4000 replaced, 4001 timed out).
 */
const CLOSE_UNANSWERED = 4010;

/** Waits between reconnection attempts (the last repeats), each with ±20 % jitter. */
const BACKOFF_MS = [250, 500, 1_000, 2_000, 5_000, 10_000];

export interface RoomSocketHandlers {
  message(message: RoomServerMessage): void;
  /** Open (`true`, the room's welcome follows) or lost (`false`, reconnecting). */
  open(open: boolean): void;
  /** A frame that is not the room's contract: reported, never fatal. */
  invalid(error: Error): void;
}

/**
 * The room's WebSocket (`GET /api/realtime/rooms/:room_id/ws?token=`), kept open: a `ping` every
 * heartbeat interval so that the room counts the participant present (contracts/api/rooms.ts), a
 * reconnection with jittered backoff whenever it drops, with the URL read afresh each time (the
 * token may have been renewed), and messages sent while it is down held until it is back.
 */
export class RoomSocket {
  private ws: WebSocket | undefined;
  private readonly pending: string[] = [];
  private attempt = 0;
  private closed = false;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private opened = 0;
  /** Pings sent on the open socket since the room last sent anything. */
  private unanswered = 0;

  constructor(
    private readonly url: () => Promise<string>,
    private readonly handlers: RoomSocketHandlers,
  ) {
    void this.connect();
  }

  get open(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** How many sockets have opened: each one's welcome starts the room afresh for this member. */
  get generation(): number {
    return this.opened;
  }

  send(message: RoomClientMessage): void {
    const text = JSON.stringify(message);
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(text);
    else this.pending.push(text);
  }

  /** Drops this socket and opens a new one now (after a renewal, or when the network came back). */
  reconnect(): void {
    if (this.closed) return;
    clearTimeout(this.retry);
    this.attempt = 0;
    const previous = this.ws;
    this.ws = undefined;
    previous?.close(1000, "reconnecting");
    void this.connect();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retry);
    clearInterval(this.heartbeat);
    this.ws?.close(1000, "left");
    this.ws = undefined;
  }

  private async connect(): Promise<void> {
    let url: string;
    try {
      url = await this.url();
    } catch (error) {
      this.handlers.invalid(error instanceof Error ? error : new Error(String(error)));
      this.scheduleRetry();
      return;
    }
    if (this.closed) return;
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.addEventListener("open", () => {
      if (ws !== this.ws) return;
      this.opened += 1;
      this.attempt = 0;
      this.unanswered = 0;
      for (const text of this.pending.splice(0)) ws.send(text);
      clearInterval(this.heartbeat);
      this.heartbeat = setInterval(() => {
        if (ws.readyState !== WebSocket.OPEN) return;
        // The room answers every ping at once (worker/src/durable/room.ts auto-responds), so a ping
        // still unanswered a whole interval later means a connection that died without closing (a
        // NAT that forgot it, a network that changed), which the browser may not notice for
        // minutes. Counting pings rather than time keeps a throttled background tab's late timers
        // from looking like silence. That is 10 to 20 s after the last answer, and the socket is
        // replaced now (after the first, 250 ms backoff), before the room's 30 s presence timeout
        // counts this participant gone.
        if (this.unanswered > 0) return this.lost(ws, "the room stopped answering pings");
        this.unanswered += 1;
        ws.send(ROOM_PING);
      }, ROOM_HEARTBEAT_INTERVAL_MS);
      this.handlers.open(true);
    });
    ws.addEventListener("message", (event) => {
      // A socket replaced by a reconnection may still deliver what was on its way: ignored.
      if (ws !== this.ws) return;
      this.unanswered = 0;
      if (event.data === ROOM_PONG) return;
      let message: unknown;
      try {
        message = JSON.parse(String(event.data));
      } catch {
        this.handlers.invalid(new Error("the room sent a frame that is not JSON"));
        return;
      }
      // The room runs in browsers only, so its messages get the browser entry's check.
      const checked = shapeAnswers.data("roomSocket", message);
      if (checked.ok) this.handlers.message(checked.value as RoomServerMessage);
      else this.handlers.invalid(new Error(`the room sent an unknown message: ${checked.issue}`));
    });
    ws.addEventListener("close", () => {
      if (ws === this.ws) this.lost(ws);
    });
  }

  /** The open socket is gone (closed, or found dead and closed here): reconnect, after a backoff. */
  private lost(ws: WebSocket, why?: string): void {
    this.ws = undefined;
    clearInterval(this.heartbeat);
    if (why) ws.close(CLOSE_UNANSWERED, why);
    if (this.closed) return;
    this.handlers.open(false);
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.closed) return;
    const delay = jitter(BACKOFF_MS[Math.min(this.attempt++, BACKOFF_MS.length - 1)]!);
    this.retry = setTimeout(() => void this.connect(), delay);
  }
}
