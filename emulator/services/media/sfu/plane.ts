import type { FaultRules } from "../../../core/faults.ts";
import { subscribe } from "../../../core/listeners.ts";
import { PublishedChannel } from "./published-channel.ts";
import { PublishedTrack } from "./published-track.ts";
import { SessionMedia, type TrackRef } from "./session-media.ts";
import type { ChannelDelivery, MsidLabel } from "./session-peer.ts";

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

/** A pull: which published track, and how the subscriber's description labels it. */
export interface Pull {
  source: TrackRef;
  label: MsidLabel;
}

/** Why werift would not take a description: answered as `invalid_session_description`. */
export interface Refusal {
  refused: string;
}

/** A DataChannel's status as the API reports it (SessionResourceStatus). */
export type DataChannelStatus = "initializing" | "active" | "inactive";

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
  channel(
    sessionId: string,
    id: number,
  ): { status: DataChannelStatus; delivery: ChannelDelivery } | undefined;
  closeSession(sessionId: string): Promise<void>;
  /** Called with each published track removed for want of media, until the returned unsubscribe. */
  onTrackTimeout(listener: (track: TrackRef) => void): () => void;
}

/** The session's Realtime API path, which `drop_media` rules are matched against. */
const sessionPath = ({ appId, sessionId }: SessionRef) => `/v1/apps/${appId}/sessions/${sessionId}`;
const refusal = (err: unknown): Refusal => ({ refused: err instanceof Error ? err.message : String(err) });

/**
 * The SFU's media: one werift peer connection per session, RTP and DataChannel messages forwarded
 * between them. Everything is held per session (`SessionMedia`), as the API addresses it.
 */
export class SfuMediaPlane implements SfuMedia {
  private readonly sessions = new Map<string, SessionMedia>();
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
    const peer = this.sessions.get(sessionId)?.peer;
    return {
      negotiated: peer?.negotiated ?? false,
      awaitingAnswer: peer?.awaitingAnswer ?? false,
      dataChannels: peer?.carriesDataChannels ?? false,
    };
  }

  async connected(sessionId: string): Promise<boolean> {
    const peer = this.sessions.get(sessionId)?.peer;
    return peer ? peer.connected(this.connectTimeoutMs) : false;
  }

  async answer(
    session: SessionRef,
    offerSdp: string,
    plan: { publish: string[]; pulls: (Pull & { mid: string })[] },
  ) {
    const media = this.media(session);
    const { peer } = media;
    try {
      await peer.applyOffer(offerSdp);
      const sending = plan.pulls.flatMap((pull) => {
        const source = this.track(pull.source);
        const transceiver = peer.transceiver(pull.mid);
        if (!source || !transceiver) return [];
        peer.sendOn(transceiver, source.codec, pull.label);
        return [{ mid: pull.mid, pull, source, transceiver }];
      });
      const sdp = await peer.answer();
      for (const { mid, pull, source, transceiver } of sending)
        this.startPull(media, mid, pull.source, source, transceiver);
      for (const mid of plan.publish) {
        const transceiver = peer.transceiver(mid);
        if (!transceiver || media.tracks.has(mid)) continue;
        const path = sessionPath(session);
        media.tracks.set(mid, new PublishedTrack(transceiver, () => this.drops(path)));
      }
      return { sdp };
    } catch (err) {
      return refusal(err);
    }
  }

  async offer(session: SessionRef, pulls: Pull[]) {
    const media = this.media(session);
    const { peer } = media;
    try {
      const added = pulls.map((pull) => {
        const source = this.track(pull.source);
        if (!source) throw new Error(`track ${pull.source.mid} of ${pull.source.sessionId} is gone`);
        return { pull, source, transceiver: peer.addSender(source.kind, source.codec, pull.label) };
      });
      const sdp = await peer.offer();
      for (const { pull, source, transceiver } of added)
        this.startPull(media, transceiver.mid!, pull.source, source, transceiver);
      return { sdp, mids: added.map((a) => a.transceiver.mid!) };
    } catch (err) {
      return refusal(err);
    }
  }

  async acceptAnswer(sessionId: string, answerSdp: string) {
    const media = this.sessions.get(sessionId);
    const peer = media?.peer;
    if (!media || !peer?.awaitingAnswer) return { refused: "no offer is awaiting an answer" };
    try {
      await peer.applyAnswer(answerSdp);
    } catch (err) {
      return refusal(err);
    }
    // The subscriber may already be connected: its new tracks need a keyframe to start decoding.
    if (peer.pc.connectionState === "connected") {
      for (const pull of media.pulls.values()) this.track(pull.source)?.requestKeyframe();
    }
    return undefined;
  }

  publishes(track: TrackRef): boolean {
    return this.track(track) !== undefined;
  }

  stop(sessionId: string, mid: string): void {
    const media = this.sessions.get(sessionId);
    if (!media) return;
    const published = media.tracks.get(mid);
    if (published) {
      published.stop();
      media.tracks.delete(mid);
    }
    const pull = media.pulls.get(mid);
    if (pull) {
      pull.stop();
      media.pulls.delete(mid);
      media.peer.transceiver(mid)?.setDirection("inactive");
    }
  }

  freeChannelId(sessionId: string, allocated: Iterable<number>): number {
    const taken = new Set([...(this.sessions.get(sessionId)?.peer.channelIdsInUse() ?? []), ...allocated]);
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
    const media = this.sessions.get(sessionId);
    if (!media) throw new Error(`session ${sessionId} has no connection to open a DataChannel on`);
    const channel = media.peer.dataChannel(id, "publish" in role ? role.publish : role.pull.name, delivery);
    let stop = () => {};
    if ("publish" in role) {
      const published = new PublishedChannel(channel);
      media.publishedChannels.set(role.publish, published);
      stop = () => {
        published.stop();
        media.publishedChannels.delete(role.publish);
      };
    } else {
      const source = this.sessions.get(role.pull.sessionId)?.publishedChannels.get(role.pull.name);
      stop = source?.subscribe(channel) ?? stop;
    }
    media.channels.set(id, { channel, stop });
  }

  /** Status as the API reports it (SessionResourceStatus): `initializing` while connecting, `active` once open, `inactive` after. */
  channel(sessionId: string, id: number) {
    const channel = this.sessions.get(sessionId)?.channels.get(id)?.channel;
    if (!channel) return undefined;
    const { readyState, ordered, maxRetransmits, maxPacketLifeTime } = channel;
    const status: DataChannelStatus =
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
    const media = this.sessions.get(sessionId);
    this.sessions.delete(sessionId);
    await media?.close();
  }

  onTrackTimeout(listener: (track: TrackRef) => void): () => void {
    return subscribe(this.timeoutListeners, listener);
  }

  /** Every session ends: the emulator resets. */
  async reset(): Promise<void> {
    await Promise.all([...this.sessions.keys()].map((id) => this.closeSession(id)));
  }

  /** Closes every peer connection and its sockets: the emulator stops. */
  async close(): Promise<void> {
    clearInterval(this.sweep);
    await this.reset();
  }

  /** The session's media, its peer connection made on its first negotiation. */
  private media({ sessionId }: SessionRef): SessionMedia {
    let media = this.sessions.get(sessionId);
    if (!media) {
      media = new SessionMedia();
      this.sessions.set(sessionId, media);
    }
    return media;
  }

  private track({ sessionId, mid }: TrackRef): PublishedTrack | undefined {
    return this.sessions.get(sessionId)?.tracks.get(mid);
  }

  /** Whether a `drop_media` rule takes this packet of a track the session at `path` publishes. */
  private drops(path: string): boolean {
    return this.faults?.matchMedia(path) !== undefined;
  }

  private startPull(
    media: SessionMedia,
    mid: string,
    sourceRef: TrackRef,
    source: PublishedTrack,
    transceiver: { sender: Parameters<PublishedTrack["subscribe"]>[0] },
  ): void {
    media.pulls.get(mid)?.stop();
    media.pulls.set(mid, { source: sourceRef, stop: source.subscribe(transceiver.sender) });
  }

  private removeSilentTracks(): void {
    const now = performance.now();
    for (const [sessionId, media] of this.sessions) {
      for (const [mid, track] of media.tracks) {
        if (now - track.lastMediaAt < this.trackTimeoutMs) continue;
        track.stop();
        media.tracks.delete(mid);
        for (const listener of [...this.timeoutListeners]) listener({ sessionId, mid });
      }
    }
  }
}
