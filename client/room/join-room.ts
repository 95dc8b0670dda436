import type { Participant, PublishedTrack, RoomServerMessage, Topology } from "#contracts/api/rooms.ts";
import type { BrowserClient, GrantClient, JoinGrant } from "../browser-client.ts";
import { jitter } from "../retry.ts";
import { announced, localTracks, type MediaSource } from "./local-media.ts";
import { P2pLink, type P2pSignal } from "./p2p-link.ts";
import { type RoomConnectionState, RoomEmitter } from "./room-events.ts";
import { RoomSocket } from "./room-socket.ts";
import { SfuLink } from "./sfu-link.ts";

export interface JoinRoomOptions {
  audio?: MediaSource;
  video?: MediaSource;
  /**
   * Asks the app's backend to join again (`POST /api/realtime/join` for the same room and user) and
   * resolves to the new grant. Only the backend holds the tenant key, so the room cannot do this
   * itself. Called before the grant expires, when the room moves to the SFU, and when an SFU
   * session has to be replaced after a network failure.
   */
  renew(current: JoinGrant): Promise<JoinGrant>;
  /** `relay` sends everything through the grant's TURN servers (hides participants' addresses). Default `all`. */
  iceTransportPolicy?: RTCIceTransportPolicy;
}

/** A renewal this long before the grant expires (or half way through a shorter one). */
const RENEW_BEFORE_MS = 5 * 60_000;
/** An SFU connection disconnected this long is replaced by a new session. */
const SFU_DISCONNECTED_GRACE_MS = 3_000;
/** A renewal never follows the one before it sooner than this, whatever the grant and the clock say. */
const MIN_RENEWAL_GAP_MS = 30_000;
/** Waits before a new session replaces one whose publish failed (the last repeats), each with ±20 % jitter. */
const PUBLISH_RETRY_MS = [1_000, 2_000, 5_000, 10_000, 30_000];

const errorOf = (error: unknown) => (error instanceof Error ? error : new Error(String(error)));

/**
 * A joined room: the room socket for presence, tracks and signalling, and one media connection
 * that follows the topology the Worker chose (peer-to-peer through TURN for two, the SFU from the
 * third participant on). Listen with `on`; `leave()` closes everything.
 */
export class Room extends RoomEmitter {
  /** Everyone else in the room, by user id. */
  readonly participants = new Map<string, Participant>();
  state: RoomConnectionState = "connecting";
  private readonly remote = new Map<string, Set<MediaStreamTrack>>();
  private grantClient: GrantClient;
  private socket: RoomSocket;
  private p2p: P2pLink | undefined;
  /** The other participant of the peer-to-peer connection. */
  private p2pPeer: string | undefined;
  private sfu: SfuLink | undefined;
  private published: PublishedTrack[] = [];
  private renewTimer: ReturnType<typeof setTimeout> | undefined;
  private sfuTimer: ReturnType<typeof setTimeout> | undefined;
  private switching: Promise<void> | undefined;
  /** Publishes that failed in a row, for the wait before the next session. */
  private publishFailures = 0;
  private connectedOnce = false;
  private left = false;

  constructor(
    private readonly client: BrowserClient,
    grant: JoinGrant,
    private readonly options: JoinRoomOptions,
    /** What this participant publishes. */
    readonly localTracks: readonly MediaStreamTrack[],
    private readonly ownedTracks: readonly MediaStreamTrack[],
  ) {
    super();
    this.grantClient = client.withGrant(grant);
    this.scheduleRenewal(false);
    this.socket = new RoomSocket(() => this.grantClient.room.roomSocket(), {
      message: (message) => void this.onMessage(message).catch((e) => this.warn(e)),
      open: () => this.updateState(),
      invalid: (error) => this.warn(error),
    });
    globalThis.addEventListener?.("online", this.onOnline);
  }

  get grant(): JoinGrant {
    return this.grantClient.grant;
  }

  get userId(): string {
    return this.grant.user_id;
  }

  get topology(): Topology {
    return this.grant.topology;
  }

  /** The media connection now in use (peer-to-peer or to the SFU), for `getStats()`; none when alone peer-to-peer. */
  get peerConnection(): RTCPeerConnection | undefined {
    return this.p2p?.pc ?? this.sfu?.pc;
  }

  /** Sends an app message to everyone else: on the data channel peer-to-peer, else through the room socket. */
  send(data: unknown): void {
    if (this.p2p?.dataChannelOpen) this.p2p.send(data);
    else this.socket.send({ type: "event", data });
  }

  /** Leaves: closes the published tracks on the SFU, the connections and the socket, and stops the devices it opened. */
  async leave(): Promise<void> {
    if (this.left) return;
    this.left = true;
    clearTimeout(this.renewTimer);
    clearTimeout(this.sfuTimer);
    globalThis.removeEventListener?.("online", this.onOnline);
    this.closeP2p();
    await this.sfu?.leave();
    this.sfu = undefined;
    this.socket.close();
    for (const track of this.ownedTracks) track.stop();
    this.updateState();
  }

  private async onMessage(message: RoomServerMessage): Promise<void> {
    if (this.left) return;
    switch (message.type) {
      case "welcome":
        return this.onWelcome(message.participants, message.topology);
      case "join":
        this.participants.set(message.participant.user_id, message.participant);
        this.emit("participantJoined", { participant: message.participant });
        // Back with a new socket, the participant starts a new connection with us.
        if (this.p2p && this.p2pPeer === message.participant.user_id) this.closeP2p();
        if (this.sfu) await this.sfu.pull(message.participant.user_id, message.participant.tracks);
        return;
      case "leave":
        return this.onLeave(message.user_id, message.reason);
      case "tracks": {
        const participant = this.participants.get(message.user_id);
        if (participant) participant.tracks = message.tracks;
        if (this.sfu) {
          this.removed(message.user_id, await this.sfu.unpull(message.user_id, message.tracks));
          await this.sfu.pull(message.user_id, message.tracks);
        }
        return;
      }
      case "signal":
        if (this.grant.topology !== "p2p") return;
        if (!this.p2p || this.p2pPeer !== message.from) this.openP2p(message.from);
        return this.p2p!.receive(message.data as P2pSignal);
      case "event":
        this.emit("message", { from: message.from, data: message.data, via: "socket" });
        return;
      case "topology":
        this.emit("topology", { topology: message.topology });
        if (message.topology === "sfu" && this.grant.topology === "p2p") await this.renewNow();
        return;
      case "error":
        this.warn(new Error(`the room refused a message: ${message.code} ${message.message}`));
        return;
    }
  }

  private async onWelcome(others: Participant[], topology: Topology): Promise<void> {
    const present = new Set(others.map((p) => p.user_id));
    for (const user of [...this.participants.keys()]) if (!present.has(user)) this.onLeave(user, "closed");
    for (const participant of others) {
      const known = this.participants.has(participant.user_id);
      this.participants.set(participant.user_id, participant);
      if (!known) this.emit("participantJoined", { participant });
    }
    this.updateState();
    // The room moved while this socket was away: this grant is for a topology it no longer has.
    if (topology === "sfu" && this.grant.topology === "p2p") return this.renewNow();
    if (this.grant.topology === "p2p") {
      this.socket.send({ type: "tracks", tracks: announced(this.localTracks) });
      // A new socket starts new connections: the one joining calls whoever is there.
      this.closeP2p();
      const peer = others[0];
      if (peer) this.openP2p(peer.user_id);
      return;
    }
    if (!this.sfu && !(await this.publishOnNewLink())) return;
    this.socket.send({ type: "tracks", tracks: this.published });
    await Promise.all(others.map((p) => this.sfu!.pull(p.user_id, p.tracks)));
  }

  /**
   * Opens the SFU connection and publishes on it; resolves to whether that worked. When it fails,
   * nothing is published on the session and what the SFU made of the offer is unknown, so the
   * connection is closed and the media moves to a new session, as after a failed connection. The
   * move waits longer after each failure in a row, so that an SFU that keeps refusing is not
   * asked again and again.
   */
  private async publishOnNewLink(): Promise<boolean> {
    const link = this.openSfu();
    try {
      const published = await link.publish(this.localTracks);
      // A renewal may have replaced the link meanwhile: what was published on it is not this room's now.
      if (link !== this.sfu) return false;
      this.published = published;
      this.publishFailures = 0;
      return true;
    } catch (error) {
      if (link !== this.sfu) return false;
      await this.closeSfu();
      const delay = jitter(PUBLISH_RETRY_MS[Math.min(this.publishFailures++, PUBLISH_RETRY_MS.length - 1)]!);
      this.warn(
        new Error(
          `publishing to the SFU failed, trying a new session in ${delay} ms: ${errorOf(error).message}`,
        ),
      );
      clearTimeout(this.renewTimer);
      if (!this.left) this.renewTimer = setTimeout(() => void this.renewNow(), delay);
      return false;
    }
  }

  private onLeave(user: string, reason: "closed" | "timeout" | "replaced"): void {
    if (!this.participants.delete(user)) return;
    if (this.p2pPeer === user) this.closeP2p();
    if (this.sfu)
      void this.sfu.unpull(user).then(
        (tracks) => this.removed(user, tracks),
        (e) => this.warn(e),
      );
    this.emit("participantLeft", { user_id: user, reason });
  }

  private openP2p(peer: string): void {
    this.closeP2p();
    this.p2pPeer = peer;
    const generation = this.socket.generation;
    const link: P2pLink = new P2pLink({
      self: this.userId,
      peer,
      iceServers: this.grant.ice_servers,
      iceTransportPolicy: this.options.iceTransportPolicy ?? "all",
      tracks: this.localTracks,
      // Signalling belongs to this connection and to the socket it began on: a socket that
      // reconnects starts a new connection (its welcome, or the peer's join), so a signal of this
      // one, held while the socket was down or sent on the next socket before its welcome, would
      // reach the peer's new connection and be taken as its own.
      signal: (data) => {
        if (this.socket.open && this.socket.generation === generation) {
          this.socket.send({ type: "signal", to: peer, data });
        }
      },
      track: (track, stream) => this.added(peer, track, stream),
      message: (data) => this.emit("message", { from: peer, data, via: "datachannel" }),
      state: () => link === this.p2p && this.updateState(),
      warning: (error) => this.warn(error),
    });
    this.p2p = link;
    this.updateState();
  }

  private closeP2p(): void {
    if (!this.p2p) return;
    const peer = this.p2pPeer!;
    this.p2p.close();
    this.p2p = undefined;
    this.p2pPeer = undefined;
    this.removed(peer, [...(this.remote.get(peer) ?? [])]);
  }

  private openSfu(): SfuLink {
    const link: SfuLink = new SfuLink({
      sessionId: this.grant.sfu!.session_id,
      session: this.grantClient.session!,
      iceServers: this.grant.ice_servers,
      iceTransportPolicy: this.options.iceTransportPolicy ?? "all",
      track: (user, track, stream) => this.added(user, track, stream),
      state: (state) => {
        if (link !== this.sfu) return;
        clearTimeout(this.sfuTimer);
        // The session proxy offers no ICE restart (renegotiate takes answers only): a connection
        // that fails, or stays disconnected, moves to a new session.
        if (state === "failed") void this.renewNow();
        if (state === "disconnected")
          this.sfuTimer = setTimeout(() => void this.renewNow(), SFU_DISCONNECTED_GRACE_MS);
        this.updateState();
      },
    });
    this.sfu = link;
    return link;
  }

  private async closeSfu(): Promise<void> {
    const link = this.sfu;
    if (!link) return;
    this.sfu = undefined;
    clearTimeout(this.sfuTimer);
    for (const user of [...this.remote.keys()]) this.removed(user, [...(this.remote.get(user) ?? [])]);
    await link.leave();
  }

  private added(user: string, track: MediaStreamTrack, stream: MediaStream): void {
    const tracks = this.remote.get(user) ?? new Set();
    tracks.add(track);
    this.remote.set(user, tracks);
    this.emit("trackAdded", { user_id: user, track, stream });
  }

  private removed(user: string, tracks: readonly MediaStreamTrack[]): void {
    const known = this.remote.get(user);
    for (const track of tracks) {
      if (!known?.delete(track)) continue;
      this.emit("trackRemoved", { user_id: user, track });
    }
    if (known?.size === 0) this.remote.delete(user);
  }

  /** Asks the backend for a new grant now; concurrent reasons share one request. */
  private renewNow(): Promise<void> {
    this.switching ??= (async () => {
      try {
        const grant = await this.options.renew(this.grant);
        if (!this.left) await this.use(grant);
      } catch (error) {
        this.warn(errorOf(error));
        // Asked again soon: the grant must not lapse because the backend failed once.
        clearTimeout(this.renewTimer);
        if (!this.left) this.renewTimer = setTimeout(() => void this.renewNow(), 5_000);
      } finally {
        this.switching = undefined;
      }
    })();
    return this.switching;
  }

  /**
   * Goes on with a new grant. Peer-to-peer, the new token and TURN credentials replace the old
   * ones in place. With the SFU, the token is bound to a new Realtime session, so the media moves
   * to it: republished and pulled again (as after a move from peer-to-peer, or a lost session).
   */
  private async use(grant: JoinGrant): Promise<void> {
    if (grant.room_id !== this.grant.room_id || grant.user_id !== this.grant.user_id)
      throw new Error(
        `renew gave a grant for ${grant.user_id} in ${grant.room_id}, not ${this.userId} in ${this.grant.room_id}`,
      );
    const moved =
      grant.topology !== this.grant.topology || grant.sfu?.session_id !== this.grant.sfu?.session_id;
    this.grantClient = this.client.withGrant(grant);
    this.scheduleRenewal(true);
    if (!moved) {
      this.p2p?.setIceServers(grant.ice_servers);
      return;
    }
    if (grant.topology !== "p2p") this.closeP2p();
    await this.closeSfu();
    this.emit("topology", { topology: grant.topology });
    // The room replaces the old socket with one carrying the new token; its welcome sets up the media.
    this.socket.reconnect();
    this.updateState();
  }

  /**
   * Renews before the grant expires. The time left is the device clock's reading of `expires_at`
   * while that is plausible, between now and the grant's own lifetime (`expires_in`): a clock set
   * ahead reads every grant as expired, and renewing at once would repeat back to back. So a grant
   * `fresh` from `renew` counts from its lifetime when the clock disagrees, and the first grant,
   * which may have waited in the app, is renewed at once when it reads as expired (a clock that is
   * ahead then costs one renewal at the start). A grant from a backend on an older client has no
   * `expires_in`; there the clock alone counts, and a renewal never follows another within
   * `MIN_RENEWAL_GAP_MS`.
   */
  private scheduleRenewal(fresh: boolean): void {
    clearTimeout(this.renewTimer);
    const byClock = Date.parse(this.grant.expires_at) - Date.now();
    const lifetime = this.grant.expires_in * 1000;
    const plausible = byClock > 0 && byClock <= lifetime;
    const remaining = !Number.isFinite(lifetime)
      ? byClock
      : plausible || !fresh
        ? Math.min(byClock, lifetime)
        : lifetime;
    const soonest = fresh ? MIN_RENEWAL_GAP_MS : 0;
    const delay = Math.max(soonest, remaining - Math.min(RENEW_BEFORE_MS, remaining / 2));
    this.renewTimer = setTimeout(() => void this.renewNow(), delay);
  }

  /**
   * The network is back: a socket that dropped reconnects now, and its welcome starts a new
   * peer-to-peer connection; over a socket that stayed up, the connection restarts its ICE.
   */
  private readonly onOnline = () => {
    if (!this.socket.open) this.socket.reconnect();
    else this.p2p?.restartIce();
    if (this.sfu && this.sfu.pc.connectionState !== "connected") void this.renewNow();
  };

  private updateState(): void {
    const media = this.peerConnection;
    const mediaUp =
      !media ||
      media.connectionState === "connected" ||
      (media.connectionState === "new" && media.getTransceivers().length === 0);
    const state: RoomConnectionState = this.left
      ? "closed"
      : this.socket?.open && mediaUp
        ? "connected"
        : this.connectedOnce
          ? "reconnecting"
          : "connecting";
    if (state === "connected") this.connectedOnce = true;
    if (state === this.state) return;
    this.state = state;
    this.emit("connectionState", { state });
  }

  private warn(error: unknown): void {
    this.emit("warning", { error: errorOf(error) });
  }
}

/**
 * Joins the room of `grant` (what the app's backend got from `POST /api/realtime/join`): opens
 * the local devices asked for, the room socket, and the media connection of the grant's topology.
 */
export async function openRoom(
  client: BrowserClient,
  grant: JoinGrant,
  options: JoinRoomOptions,
): Promise<Room> {
  const { tracks, owned } = await localTracks(options.audio, options.video);
  return new Room(client, grant, options, tracks, owned);
}
