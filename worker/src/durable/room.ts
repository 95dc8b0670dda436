import { DurableObject } from "cloudflare:workers";
import * as z from "zod/mini";
import {
  ROOM_HEARTBEAT_INTERVAL_MS,
  ROOM_PING,
  ROOM_PONG,
  ROOM_PRESENCE_TIMEOUT_MS,
} from "#contracts/api/room-protocol.ts";
import {
  MAX_ROOM_MESSAGE_LENGTH,
  P2P_MAX_PARTICIPANTS,
  type Participant,
  type RoomClientMessage,
  type RoomServerMessage,
  roomClientMessage,
  type Topology,
} from "#contracts/api/rooms.ts";
import { type SessionClaims, sessionClaims } from "../session-token.ts";
import "../zod-messages.ts";
import { DeferredWrites, STORAGE_MAX_KEYS } from "./deferred-writes.ts";

/** How the Worker hands the room socket's verified token claims to the room. */
export const MEMBER_HEADER = "x-room-member";

/** A user admitted by join whose socket has not connected yet counts as present this long. */
const RESERVATION_MS = 60_000;

/** Close codes the room uses (4000–4999 is the application range). */
export const CLOSE_REPLACED = 4000;
export const CLOSE_TIMEOUT = 4001;

/** Per socket, kept with it across hibernation. */
interface Member extends Participant {
  /** Last message from the client, in ms; the auto-answered pings are tracked by the runtime. */
  lastSeen: number;
  /** Set when the room closes the socket itself, so that the close that follows is not a second leave. */
  gone?: boolean;
}

export interface Admission {
  topology: Topology;
  /** Present and reserved users, this one included. */
  participants: number;
  /** This join moves the room to the SFU, which it does once the join's credentials are minted (`moveToSfu`). */
  movesToSfu: boolean;
  /** When this join's reservation lapses: what `release` gives back, and nothing a later join reserved. */
  reservedUntil: number;
}

const reservations = z.record(z.string(), z.number());
type Reservations = z.infer<typeof reservations>;

const TOPOLOGY_KEY = "topology";
const RESERVATIONS_KEY = "reservations";
/** One key per Realtime session minted for the room, holding when its token expires (ms). */
const SESSION_KEY_PREFIX = "session:";
/**
 * Minted sessions and reservations are written this long after they change, together, so that no
 * join or mint waits on a storage write. What a machine lost meanwhile forgets is safe to forget:
 * a minted session is refused as another room's (as one never minted is) until its member's room
 * socket connects, and a reserved user counts again once their socket connects; only the topology,
 * which a socket cannot restore, is written before admit answers.
 */
const WRITE_DELAY_MS = 1_000;

/**
 * One room of one tenant, on the hibernation API: sockets stay open while the object sleeps, and
 * pings are answered without waking it. Presence is the set of open sockets (one per user); join
 * reserves a place first so that the topology is decided before the socket connects.
 */
export class Room extends DurableObject<unknown> {
  /** Minted sessions recorded since the last write, by storage key. */
  private readonly unwrittenSessions: DeferredWrites<number>;
  /** The reservations, when they changed since the last write (under `RESERVATIONS_KEY`). */
  private readonly unwrittenReservations: DeferredWrites<Reservations>;

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env);
    this.unwrittenSessions = new DeferredWrites(ctx.storage, WRITE_DELAY_MS);
    this.unwrittenReservations = new DeferredWrites(ctx.storage, WRITE_DELAY_MS);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(ROOM_PING, ROOM_PONG));
  }

  /**
   * Counts the user in and decides the topology: peer-to-peer while the room holds at most two
   * users, the SFU from the third on. The room moves only once that join has its credentials
   * (`moveToSfu`), so that a join that fails leaves the peers where they are.
   */
  async admit(userId: string): Promise<Admission> {
    const now = Date.now();
    const reserved = await this.reservations(now);
    const users = new Set([...this.members().map((m) => m.user_id), ...Object.keys(reserved), userId]);
    const stored = await this.topology();
    const topology = stored === "p2p" && users.size > P2P_MAX_PARTICIPANTS ? "sfu" : stored;
    // Each reservation of a user lapses later than the one before, even within one millisecond,
    // so that a failed join's release can tell its own from a retry's.
    const reservedUntil = Math.max(now + RESERVATION_MS, (reserved[userId] ?? 0) + 1);
    reserved[userId] = reservedUntil;
    this.unwrittenReservations.set(RESERVATIONS_KEY, reserved);
    await this.keepWatching();
    return { topology, participants: users.size, movesToSfu: topology !== stored, reservedUntil };
  }

  /**
   * Moves the room to the SFU for a join whose credentials are minted, and tells everyone
   * connected; it stays there until it empties. Another join may have moved it first.
   */
  async moveToSfu(): Promise<void> {
    if ((await this.topology()) === "sfu") return;
    await this.ctx.storage.put(TOPOLOGY_KEY, "sfu");
    const reserved = await this.reservations(Date.now());
    const users = new Set([...this.members().map((m) => m.user_id), ...Object.keys(reserved)]);
    this.broadcast({ type: "topology", topology: "sfu", participants: users.size });
  }

  /**
   * Gives back the reservation of a join that failed after all, unless the same user has reserved
   * again since (another join of theirs, which succeeded, holds the place now).
   */
  async release(userId: string, reservedUntil: number): Promise<void> {
    const reserved = await this.reservations(Date.now());
    if (reserved[userId] === reservedUntil) delete reserved[userId];
    this.unwrittenReservations.set(RESERVATIONS_KEY, reserved);
    await this.resetWhenEmpty(reserved);
  }

  /**
   * Remembers a Realtime session minted for this room, so that the SFU proxy lets other members
   * pull its tracks before its publisher has connected the room socket. Kept until its token expires.
   */
  async recordSession(sessionId: string, expiresAt: number): Promise<void> {
    this.unwrittenSessions.set(SESSION_KEY_PREFIX + sessionId, expiresAt);
    // The alarm already comes no later than every other minted session's expiry (or a busy room's
    // next sweep): only this one's can move it earlier. Listing every minted session instead would
    // make each new session of the room cost more than the last.
    await this.alarmNoLaterThan(expiresAt);
  }

  /**
   * Which of these Realtime sessions are not this room's: neither minted for it (token still
   * valid) nor held by a connected member (whose socket outlives the token).
   */
  async foreignSessions(sessionIds: string[]): Promise<string[]> {
    const now = Date.now();
    const connected = new Set(this.members().map((m) => m.session_id));
    const unknown = [...new Set(sessionIds)].filter((id) => !connected.has(id));
    const foreign: string[] = [];
    for (let i = 0; i < unknown.length; i += STORAGE_MAX_KEYS) {
      const keys = unknown.slice(i, i + STORAGE_MAX_KEYS).map((id) => SESSION_KEY_PREFIX + id);
      // Taken before the read, which a write of these could overtake.
      const unwritten = keys.map((key) => this.unwrittenSessions.get(key));
      const minted = await this.ctx.storage.get<number>(keys);
      keys.forEach((key, j) => {
        const expiresAt = unwritten[j] ?? minted.get(key) ?? 0;
        if (expiresAt <= now) foreign.push(unknown[i + j]!);
      });
    }
    return foreign;
  }

  /** The room socket: the Worker has verified the token and passes its claims in `MEMBER_HEADER`. */
  override async fetch(request: Request): Promise<Response> {
    const claims = sessionClaims.parse(JSON.parse(request.headers.get(MEMBER_HEADER) ?? "null"));
    const { 0: client, 1: server } = new WebSocketPair();
    for (const previous of this.socketsOf(claims.user)) this.closeAs(previous, CLOSE_REPLACED, "replaced");
    const member = memberOf(claims);
    this.ctx.acceptWebSocket(server, [claims.user]);
    server.serializeAttachment(member);

    const reserved = await this.reservations(Date.now());
    delete reserved[claims.user];
    this.unwrittenReservations.set(RESERVATIONS_KEY, reserved);

    const self = participantOf(member);
    const others = this.members().filter((m) => m.user_id !== claims.user);
    const topology = await this.topology();
    send(server, { type: "welcome", self, participants: others.map(participantOf), topology });
    this.broadcast({ type: "join", participant: self }, server);
    await this.keepWatching();
    return new Response(null, { status: 101, webSocket: client });
  }

  override webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): void {
    const member = ws.deserializeAttachment() as Member;
    if (member.gone) return;
    member.lastSeen = Date.now();
    const message = parseMessage(raw);
    if (!message.ok) {
      ws.serializeAttachment(member);
      send(ws, { type: "error", code: "invalid_message", message: message.error });
      return;
    }
    this.handle(ws, member, message.value);
    ws.serializeAttachment(member);
  }

  override async webSocketClose(ws: WebSocket): Promise<void> {
    await this.leave(ws);
    try {
      ws.close(1000, "bye");
    } catch {
      // Already closed: nothing to answer.
    }
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    await this.leave(ws);
  }

  override async alarm(): Promise<void> {
    await this.sweep(Date.now());
  }

  /** Participants silent past the presence timeout leave; expired reservations and sessions lapse. */
  async sweep(now: number): Promise<void> {
    for (const ws of this.openSockets()) {
      const member = ws.deserializeAttachment() as Member;
      const pinged = this.ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? 0;
      if (now - Math.max(member.lastSeen, pinged) > ROOM_PRESENCE_TIMEOUT_MS) {
        this.closeAs(ws, CLOSE_TIMEOUT, "heartbeat timeout");
        this.broadcast({ type: "leave", user_id: member.user_id, reason: "timeout" });
      }
    }
    const reserved = await this.reservations(now);
    this.unwrittenReservations.set(RESERVATIONS_KEY, reserved);
    await this.resetWhenEmpty(reserved);
    const expired = [...(await this.mintedSessions())].filter(([, expiresAt]) => expiresAt <= now);
    for (const [key] of expired) this.unwrittenSessions.delete(key);
    for (let i = 0; i < expired.length; i += STORAGE_MAX_KEYS)
      await this.ctx.storage.delete(expired.slice(i, i + STORAGE_MAX_KEYS).map(([key]) => key));
    await this.keepWatching();
  }

  private handle(ws: WebSocket, member: Member, message: RoomClientMessage): void {
    switch (message.type) {
      case "tracks":
        member.tracks = message.tracks;
        this.broadcast({ type: "tracks", user_id: member.user_id, tracks: message.tracks }, ws);
        return;
      case "signal": {
        const targets = this.socketsOf(message.to);
        if (targets.length === 0) {
          send(ws, { type: "error", code: "not_present", message: `${message.to} is not in the room` });
          return;
        }
        for (const target of targets)
          send(target, { type: "signal", from: member.user_id, data: message.data });
        return;
      }
      case "event":
        this.broadcast({ type: "event", from: member.user_id, data: message.data }, ws);
        return;
    }
  }

  private async leave(ws: WebSocket): Promise<void> {
    const member = ws.deserializeAttachment() as Member | null;
    if (!member || member.gone) return;
    member.gone = true;
    ws.serializeAttachment(member);
    // A user who reconnected is still here: the new socket replaced this one.
    if (this.socketsOf(member.user_id).length > 0) return;
    this.broadcast({ type: "leave", user_id: member.user_id, reason: "closed" });
    await this.resetWhenEmpty(await this.reservations(Date.now()));
  }

  private closeAs(ws: WebSocket, code: number, reason: string): void {
    const member = ws.deserializeAttachment() as Member;
    member.gone = true;
    ws.serializeAttachment(member);
    try {
      ws.close(code, reason);
    } catch {
      // The client went away first.
    }
  }

  private openSockets(): WebSocket[] {
    return this.ctx.getWebSockets().filter((ws) => {
      const member = ws.deserializeAttachment() as Member | null;
      return ws.readyState === WebSocket.OPEN && member !== null && !member.gone;
    });
  }

  private socketsOf(userId: string): WebSocket[] {
    return this.openSockets().filter((ws) => (ws.deserializeAttachment() as Member).user_id === userId);
  }

  private members(): Member[] {
    return this.openSockets().map((ws) => ws.deserializeAttachment() as Member);
  }

  private broadcast(message: RoomServerMessage, except?: WebSocket): void {
    const text = JSON.stringify(message);
    for (const ws of this.openSockets()) {
      if (ws === except) continue;
      try {
        ws.send(text);
      } catch {
        // Closing under us: its close event does the rest.
      }
    }
  }

  private async topology(): Promise<Topology> {
    return (await this.ctx.storage.get<Topology>(TOPOLOGY_KEY)) ?? "p2p";
  }

  /** The live reservations, as a copy (the parse makes one): a change counts once it is set again. */
  private async reservations(now: number): Promise<Reservations> {
    const held =
      this.unwrittenReservations.get(RESERVATIONS_KEY) ?? (await this.ctx.storage.get(RESERVATIONS_KEY));
    const parsed = reservations.safeParse(held ?? {});
    const live = parsed.success ? parsed.data : {};
    for (const [user, expiresAt] of Object.entries(live)) if (expiresAt <= now) delete live[user];
    return live;
  }

  /** An empty room starts over peer-to-peer. */
  private async resetWhenEmpty(reserved: Reservations): Promise<void> {
    if (this.members().length === 0 && Object.keys(reserved).length === 0) {
      this.unwrittenReservations.delete(RESERVATIONS_KEY);
      await this.ctx.storage.delete([TOPOLOGY_KEY, RESERVATIONS_KEY]);
    }
  }

  /** Every minted session of the room, written or not yet, by storage key. */
  private async mintedSessions(): Promise<Map<string, number>> {
    const unwritten = [...this.unwrittenSessions.entries()];
    const stored = await this.ctx.storage.list<number>({ prefix: SESSION_KEY_PREFIX });
    return new Map([...stored, ...unwritten]);
  }

  /**
   * The alarm runs while anyone is present or expected, to notice silent participants; in an idle
   * room, only to forget minted sessions when they expire. An earlier alarm is kept, so that a busy
   * room still gets swept on time.
   */
  private async keepWatching(): Promise<void> {
    const busy = this.members().length > 0 || Object.keys(await this.reservations(Date.now())).length > 0;
    const due = busy
      ? Date.now() + ROOM_HEARTBEAT_INTERVAL_MS
      : [...(await this.mintedSessions()).values()].reduce(
          (a, b) => Math.min(a, b),
          Number.POSITIVE_INFINITY,
        );
    if (!Number.isFinite(due)) {
      await this.ctx.storage.deleteAlarm();
      return;
    }
    await this.alarmNoLaterThan(due);
  }

  private async alarmNoLaterThan(due: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > due) await this.ctx.storage.setAlarm(due);
  }
}

function memberOf(claims: SessionClaims): Member {
  return {
    user_id: claims.user,
    user_name: claims.name,
    session_id: claims.session === "" ? null : claims.session,
    tracks: [],
    joined_at: new Date().toISOString(),
    lastSeen: Date.now(),
  };
}

function participantOf({ user_id, user_name, session_id, tracks, joined_at }: Member): Participant {
  return { user_id, user_name, session_id, tracks, joined_at };
}

function send(ws: WebSocket, message: RoomServerMessage): void {
  try {
    ws.send(JSON.stringify(message));
  } catch {
    // Closing under us: its close event does the rest.
  }
}

type Parsed = { ok: true; value: RoomClientMessage } | { ok: false; error: string };

function parseMessage(raw: string | ArrayBuffer): Parsed {
  if (typeof raw !== "string") return { ok: false, error: "send JSON text frames" };
  if (raw.length > MAX_ROOM_MESSAGE_LENGTH)
    return { ok: false, error: `messages are limited to ${MAX_ROOM_MESSAGE_LENGTH} characters` };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, error: "not JSON" };
  }
  const parsed = roomClientMessage.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, error: `${issue?.path.join(".") || "message"}: ${issue?.message}` };
}

/** Rooms are per tenant: the same room id in two tenants is two rooms. */
export const roomOf = (env: { ROOM: DurableObjectNamespace<Room> }, tenantId: string, roomId: string) =>
  env.ROOM.get(env.ROOM.idFromName(`${tenantId}:${roomId}`));
