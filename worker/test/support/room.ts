import { env } from "cloudflare:workers";
import { apiSuccess } from "#contracts/api/envelope.ts";
import { ROOM_PONG } from "#contracts/api/room-protocol.ts";
import { type JoinData, joinData, type RoomServerMessage, roomServerMessage } from "#contracts/api/rooms.ts";
import worker from "../../src/index.ts";
import { type CallOptions, callAs, request } from "./api.ts";

/** `POST /api/realtime/join` as the tenant's backend would call it. */
export async function join(
  room: string,
  user: string,
  options: { tenant?: string; app?: CallOptions["app"] } = {},
) {
  const res = await callAs(options.tenant ?? "acme", "/api/realtime/join", {
    method: "POST",
    body: { room_id: room, user_id: user, user_name: `${user} (test)` },
    ...(options.app ? { app: options.app } : {}),
  });
  return res.status === 200
    ? { res, data: apiSuccess(joinData).parse(res.json).data }
    : { res, data: undefined };
}

/** A room socket with an inbox: messages queue until a test takes them. */
export interface RoomSocket {
  ws: WebSocket;
  next<T extends RoomServerMessage["type"]>(
    type: T,
    timeoutMs?: number,
  ): Promise<Extract<RoomServerMessage, { type: T }>>;
  /** The answer to a `ping`, which is plain text. */
  nextPong(timeoutMs?: number): Promise<string>;
  closed: Promise<{ code: number; reason: string }>;
  send(message: unknown): void;
  close(): void;
}

export async function upgrade(path: string): Promise<Response> {
  return worker.fetch(request(path, { headers: { upgrade: "websocket" } }), env);
}

/** Opens the room socket with the token join returned. */
export async function connect(joined: JoinData): Promise<RoomSocket> {
  const res = await upgrade(
    `/api/realtime/rooms/${joined.room_id}/ws?token=${encodeURIComponent(joined.token)}`,
  );
  const ws = res.webSocket;
  if (res.status !== 101 || !ws) throw new Error(`room socket: HTTP ${res.status} ${await res.text()}`);
  ws.accept();
  const inbox: string[] = [];
  const waiters: (() => void)[] = [];
  ws.addEventListener("message", (event) => {
    inbox.push(String(event.data));
    for (const wake of waiters.splice(0)) wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.addEventListener("close", (event) => resolve({ code: event.code, reason: event.reason })),
  );
  const take = async (match: (text: string) => boolean, timeoutMs: number, what: string): Promise<string> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = inbox.findIndex(match);
      if (index !== -1) return inbox.splice(index, 1)[0]!;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${timeoutMs} ms; inbox: ${inbox.join(" | ")}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  };
  const typeOf = (text: string) => {
    try {
      return (JSON.parse(text) as { type?: string }).type;
    } catch {
      return undefined;
    }
  };
  return {
    ws,
    next: async (type, timeoutMs = 3_000) =>
      roomServerMessage.parse(JSON.parse(await take((t) => typeOf(t) === type, timeoutMs, type))) as never,
    nextPong: (timeoutMs = 3_000) => take((t) => t === ROOM_PONG, timeoutMs, ROOM_PONG),
    closed,
    send: (message) => ws.send(typeof message === "string" ? message : JSON.stringify(message)),
    close: () => ws.close(1000, "done"),
  };
}
