import type { RTCDataChannel } from "werift";
import type { FaultRules } from "../../../core/faults.ts";
import { PublishedChannel } from "./published-channel.ts";
import { PublishedTrack } from "./published-track.ts";
import { type ChannelDelivery, type MsidLabel, SessionPeer } from "./session-peer.ts";

/**
 * Cloudflare's documented SFU timings (docs/reference/media-and-providers.md §3, from
 * realtime/sfu/platform/limits): a track that receives no media for 30 s is garbage-collected, and
 * an operation on a session waits up to 5 s for its PeerConnection to be connected.
 */
export const TRACK_TIMEOUT_MS = 30_000;
export const CONNECT_TIMEOUT_MS = 5_000;

export interface SfuMediaOptions {
  /** A published track without media for this long is removed (default 30 s, as on Cloudflare); shorter in tests. */
  trackTimeoutMs?: number;
  /** How long an operation waits for a negotiated session to connect (default 5 s, as on Cloudflare). */
  connectTimeoutMs?: number;
}

/** A session and the SFU app it belongs to: the app scopes the injected media faults. */
export interface SessionRef {
  appId: string;
  sessionId: string;
}

/**
 * The faults injected into forwarding: the admin surface's `drop_media` rules, matched once per
 * packet some session pulls, against the publishing session's Realtime API path (emulator/core/faults.ts).
 */
export type ForwardingFaults = Pick<FaultRules, "matchMedia">;

/** A track as the media plane knows it: the session that publishes it and its mid there. */
export interface TrackRef {
  sessionId: string;
  mid: string;
}

/** A pull: which published track, and how the subscriber's description labels it. */
export interface Pull {
  source: TrackRef;
  label: MsidLabel;
}

/** Why werift would not take a description: answered as `invalid_session_description`. */
export interface Refusal {
  refused: string;
}

export type ChannelStatus = "initializing" | "active" | "inactive";

/**
 * What the Realtime API asks of the media plane. The Realtime store keeps the sessions and their
 * tracks as the API reports them; the media plane owns the peer connections and the forwarding.
 * Calls on one session must not overlap (the API serializes them, as Cloudflare asks clients to).
 */
export interface SfuMedia {
  /** Where the session's negotiation stands. */
  negotiation(sessionId: string): { negotiated: boolean; awaitingAnswer: boolean; dataChannels: boolean };
  /** Waits up to the connect timeout for the session's connection; `false` if it did not come up. */
  connected(sessionId: string): Promise<boolean>;
  /** Takes the client's offer, publishes the tracks on `publish` mids, sends `pulls` on their mids, and answers. */
  answer(
    session: SessionRef,
    offerSdp: string,
    plan: { publish: string[]; pulls: (Pull & { mid: string })[] },
  ): Promise<{ sdp: string } | Refusal>;
  /** Adds a sending media section per pull; the SFU's offer and each pull's mid, in order. */
  offer(session: SessionRef, pulls: Pull[]): Promise<{ sdp: string; mids: string[] } | Refusal>;
  /** Takes the client's answer to the SFU's offer. */
  acceptAnswer(sessionId: string, answerSdp: string): Promise<Refusal | undefined>;
  /** Whether a published track still exists (it times out without media). */
  publishes(track: TrackRef): boolean;
  /** Stops what the session does on `mid`: publishing stops the source, pulling stops that copy. */
  stop(sessionId: string, mid: string): void;
  /** The lowest channel id free on the session's association, leaving out `allocated`. */
  freeChannelId(sessionId: string, allocated: Iterable<number>): number;
  /** Opens a negotiated channel on `id` that publishes as `name`, or relays another session's channel to this one. */
  openChannel(
    sessionId: string,
    id: number,
    role: { publish: string } | { pull: { sessionId: string; name: string } },
    delivery: ChannelDelivery,
  ): void;
  /** The session's channel on `id` as it is now: its status, and how it delivers. */
  channel(sessionId: string, id: number): { status: ChannelStatus; delivery: ChannelDelivery } | undefined;
  closeSession(sessionId: string): Promise<void>;
  /** Called with each published track removed for want of media. */
  onTrackTimeout(listener: (track: TrackRef) => void): void;
}

const key = (sessionId: string, id: string | number) => `${sessionId}\n${id}`;
/** The session's Realtime API path, which `drop_media` rules are matched against. */
const sessionPath = ({ appId, sessionId }: SessionRef) => `/v1/apps/${appId}/sessions/${sessionId}`;
const refusal = (err: unknown): Refusal => ({ refused: err instanceof Error ? err.message : String(err) });

/** The SFU's media: one werift peer connection per session, RTP and DataChannel messages forwarded between them. */
export class SfuMediaPlane implements SfuMedia {
  private readonly peers = new Map<string, SessionPeer>();
  private readonly tracks = new Map<string, PublishedTrack>();
  /** What each pulling mid forwards from, and how to stop it. */
  private readonly pulls = new Map<string, { source: string; stop: () => void }>();
  private readonly channels = new Map<string, { channel: RTCDataChannel; stop: () => void }>();
  private readonly publishedChannels = new Map<string, PublishedChannel>();
  private readonly timeoutListeners: ((track: TrackRef) => void)[] = [];
  private readonly trackTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly sweep: NodeJS.Timeout;

  constructor(
    options: SfuMediaOptions = {},
    private readonly faults?: ForwardingFaults,
  ) {
    this.trackTimeoutMs = options.trackTimeoutMs ?? TRACK_TIMEOUT_MS;
    this.connectTimeoutMs = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
    this.sweep = setInterval(() => this.removeSilentTracks(), Math.min(1_000, this.trackTimeoutMs / 4));
    this.sweep.unref();
  }

  negotiation(sessionId: string) {
    const peer = this.peers.get(sessionId);
    return {
      negotiated: peer?.negotiated ?? false,
      awaitingAnswer: peer?.awaitingAnswer ?? false,
      dataChannels: peer?.carriesDataChannels ?? false,
    };
  }

  async connected(sessionId: string): Promise<boolean> {
    const peer = this.peers.get(sessionId);
    return peer ? peer.connected(this.connectTimeoutMs) : false;
  }

  async answer(
    session: SessionRef,
    offerSdp: string,
    plan: { publish: string[]; pulls: (Pull & { mid: string })[] },
  ) {
    const { sessionId } = session;
    const peer = this.peer(session);
    try {
      await peer.applyOffer(offerSdp);
      const sending = plan.pulls.flatMap((pull) => {
        const sourceKey = key(pull.source.sessionId, pull.source.mid);
        const source = this.tracks.get(sourceKey);
        const transceiver = peer.transceiver(pull.mid);
        if (!source || !transceiver) return [];
        peer.sendOn(transceiver, source.codec, pull.label);
        return [{ mid: pull.mid, sourceKey, source, transceiver }];
      });
      const sdp = await peer.answer();
      for (const { mid, sourceKey, source, transceiver } of sending)
        this.startPull(sessionId, mid, sourceKey, source, transceiver);
      for (const mid of plan.publish) {
        const transceiver = peer.transceiver(mid);
        if (!transceiver || this.tracks.has(key(sessionId, mid))) continue;
        const path = sessionPath(session);
        this.tracks.set(key(sessionId, mid), new PublishedTrack(transceiver, () => this.drops(path)));
      }
      return { sdp };
    } catch (err) {
      return refusal(err);
    }
  }

  async offer(session: SessionRef, pulls: Pull[]) {
    const { sessionId } = session;
    const peer = this.peer(session);
    try {
      const added = pulls.map((pull) => {
        const sourceKey = key(pull.source.sessionId, pull.source.mid);
        const source = this.tracks.get(sourceKey);
        if (!source) throw new Error(`track ${pull.source.mid} of ${pull.source.sessionId} is gone`);
        return { sourceKey, source, transceiver: peer.addSender(source.kind, source.codec, pull.label) };
      });
      const sdp = await peer.offer();
      for (const { sourceKey, source, transceiver } of added)
        this.startPull(sessionId, transceiver.mid!, sourceKey, source, transceiver);
      return { sdp, mids: added.map((a) => a.transceiver.mid!) };
    } catch (err) {
      return refusal(err);
    }
  }

  async acceptAnswer(sessionId: string, answerSdp: string) {
    const peer = this.peers.get(sessionId);
    if (!peer?.awaitingAnswer) return { refused: "no offer is awaiting an answer" };
    try {
      await peer.applyAnswer(answerSdp);
    } catch (err) {
      return refusal(err);
    }
    // The subscriber may already be connected: its new tracks need a keyframe to start decoding.
    if (peer.pc.connectionState === "connected") {
      for (const [pullKey, pull] of this.pulls)
        if (pullKey.startsWith(key(sessionId, ""))) this.tracks.get(pull.source)?.requestKeyframe();
    }
    return undefined;
  }

  publishes(track: TrackRef): boolean {
    return this.tracks.has(key(track.sessionId, track.mid));
  }

  stop(sessionId: string, mid: string): void {
    const published = this.tracks.get(key(sessionId, mid));
    if (published) {
      published.stop();
      this.tracks.delete(key(sessionId, mid));
    }
    const pull = this.pulls.get(key(sessionId, mid));
    if (pull) {
      pull.stop();
      this.pulls.delete(key(sessionId, mid));
      this.peers.get(sessionId)?.transceiver(mid)?.setDirection("inactive");
    }
  }

  freeChannelId(sessionId: string, allocated: Iterable<number>): number {
    const taken = new Set([...(this.peers.get(sessionId)?.channelIdsInUse() ?? []), ...allocated]);
    let id = 0;
    while (taken.has(id)) id++;
    return id;
  }

  openChannel(
    sessionId: string,
    id: number,
    role: { publish: string } | { pull: { sessionId: string; name: string } },
    delivery: ChannelDelivery,
  ): void {
    const peer = this.peers.get(sessionId);
    if (!peer) throw new Error(`session ${sessionId} has no connection to open a DataChannel on`);
    const channel = peer.dataChannel(id, "publish" in role ? role.publish : role.pull.name, delivery);
    let stop = () => {};
    if ("publish" in role) {
      const published = new PublishedChannel(channel);
      this.publishedChannels.set(key(sessionId, role.publish), published);
      stop = () => {
        published.stop();
        this.publishedChannels.delete(key(sessionId, role.publish));
      };
    } else {
      stop = this.publishedChannels.get(key(role.pull.sessionId, role.pull.name))?.subscribe(channel) ?? stop;
    }
    this.channels.set(key(sessionId, id), { channel, stop });
  }

  /** Status as the API reports it (SessionResourceStatus): `initializing` while connecting, `active` once open, `inactive` after. */
  channel(sessionId: string, id: number) {
    const channel = this.channels.get(key(sessionId, id))?.channel;
    if (!channel) return undefined;
    const { readyState, ordered, maxRetransmits, maxPacketLifeTime } = channel;
    const status: ChannelStatus =
      readyState === "open" ? "active" : readyState === "connecting" ? "initializing" : "inactive";
    return {
      status,
      delivery: {
        ordered,
        ...(maxRetransmits === null ? {} : { maxRetransmits }),
        ...(maxPacketLifeTime === null ? {} : { maxPacketLifeTime }),
      },
    };
  }

  async closeSession(sessionId: string): Promise<void> {
    const ofSession = <T>(entries: Map<string, T>, stop: (entry: T) => void) => {
      for (const [k, entry] of entries) {
        if (!k.startsWith(key(sessionId, ""))) continue;
        stop(entry);
        entries.delete(k);
      }
    };
    ofSession(this.tracks, (track) => track.stop());
    ofSession(this.pulls, (pull) => pull.stop());
    ofSession(this.channels, (channel) => channel.stop());
    const peer = this.peers.get(sessionId);
    this.peers.delete(sessionId);
    await peer?.close();
  }

  onTrackTimeout(listener: (track: TrackRef) => void): void {
    this.timeoutListeners.push(listener);
  }

  /** Every session ends: the emulator resets. */
  async reset(): Promise<void> {
    await Promise.all([...this.peers.keys()].map((id) => this.closeSession(id)));
  }

  /** Closes every peer connection and its sockets: the emulator stops. */
  async close(): Promise<void> {
    clearInterval(this.sweep);
    await this.reset();
  }

  private peer({ sessionId }: SessionRef): SessionPeer {
    let peer = this.peers.get(sessionId);
    if (!peer) {
      peer = new SessionPeer();
      this.peers.set(sessionId, peer);
    }
    return peer;
  }

  /** Whether a `drop_media` rule takes this packet of a track the session at `path` publishes. */
  private drops(path: string): boolean {
    return this.faults?.matchMedia(path) !== undefined;
  }

  private startPull(
    sessionId: string,
    mid: string,
    sourceKey: string,
    source: PublishedTrack,
    transceiver: { sender: Parameters<PublishedTrack["subscribe"]>[0] },
  ): void {
    this.pulls.get(key(sessionId, mid))?.stop();
    this.pulls.set(key(sessionId, mid), { source: sourceKey, stop: source.subscribe(transceiver.sender) });
  }

  private removeSilentTracks(): void {
    const now = performance.now();
    for (const [k, track] of this.tracks) {
      if (now - track.lastMediaAt < this.trackTimeoutMs) continue;
      track.stop();
      this.tracks.delete(k);
      const [sessionId, mid] = k.split("\n") as [string, string];
      for (const listener of this.timeoutListeners) listener({ sessionId, mid });
    }
  }
}
