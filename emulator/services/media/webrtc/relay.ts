import { randomBytes } from "node:crypto";
import {
  RTCRtpCodecParameters as Codec,
  MediaStreamTrack,
  type RTCPeerConnection,
  type RTCRtpCodecParameters,
  type RTCRtpTransceiver,
  type RtpPacket,
} from "werift";
import { streamWebrtcCodecs } from "./codecs.ts";
import { answerOffer, codecOfPayload, loopbackPeer } from "./peer.ts";

type Kind = "audio" | "video";

/** No RTP for this long from a connected publisher: it is gone (a closed tab never says DELETE). */
const PUBLISHER_SILENCE_MS = 10_000;
/** A viewer that has not connected by then (it left before ICE completed) is let go. */
const VIEWER_CONNECT_DEADLINE_MS = 30_000;

interface PublishedTrack {
  transceiver: RTCRtpTransceiver;
  track: MediaStreamTrack;
  /** The codec the publisher sends, known from its first packet. */
  codec?: RTCRtpCodecParameters | undefined;
  viewers: Set<(rtp: Buffer) => void>;
}

/** A token that names a WHIP or WHEP session in its resource URL: unguessable, so that only its client can end it. */
export const newSessionId = () => randomBytes(16).toString("hex");

/**
 * A WHIP publisher: a werift peer that receives the browser's (or OBS's) tracks and hands their RTP
 * to WHEP viewers unchanged, re-stamped by each viewer's sender. Keyframes are asked of the
 * publisher when a viewer joins and whenever a viewer asks (PLI): without them a late viewer
 * decodes nothing.
 */
export class WhipPublisher {
  readonly id = newSessionId();
  private readonly tracks = new Map<Kind, PublishedTrack>();
  private mediaListeners: (() => void)[] = [];
  private endListeners: (() => void)[] = [];
  private ended = false;
  private lastRtp = 0;
  private watchdog: NodeJS.Timeout | undefined;

  private constructor(readonly pc: RTCPeerConnection) {}

  static async fromOffer(offer: string, host: string): Promise<{ publisher: WhipPublisher; answer: string }> {
    const pc = loopbackPeer({ host, iceLite: true, codecs: streamWebrtcCodecs() });
    const publisher = new WhipPublisher(pc);
    pc.ontrack = ({ track, transceiver }) => publisher.receive(track, transceiver);
    pc.connectionStateChange.subscribe((state) => {
      if (state === "failed" || state === "closed") publisher.close();
    });
    try {
      const answer = await answerOffer(pc, offer);
      return { publisher, answer };
    } catch (e) {
      await publisher.close();
      throw e;
    }
  }

  /** The first RTP packet arrived (media, not just a connection). */
  onMedia(listener: () => void): void {
    this.mediaListeners.push(listener);
  }

  onEnd(listener: () => void): void {
    this.endListeners.push(listener);
  }

  /** The negotiated codec of each track that has sent media, for viewers to negotiate the same. */
  codecs(): Partial<Record<Kind, RTCRtpCodecParameters>> {
    return Object.fromEntries([...this.tracks].flatMap(([kind, t]) => (t.codec ? [[kind, t.codec]] : [])));
  }

  /** Forwards the kind's RTP to `write` until the returned function is called. */
  subscribe(kind: Kind, write: (rtp: Buffer) => void): () => void {
    const published = this.tracks.get(kind);
    if (!published) return () => {};
    published.viewers.add(write);
    return () => published.viewers.delete(write);
  }

  requestKeyframe(): void {
    const video = this.tracks.get("video");
    if (video?.track.ssrc !== undefined) void video.transceiver.receiver.sendRtcpPLI(video.track.ssrc);
  }

  async close(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.watchdog);
    for (const listener of this.endListeners) listener();
    await this.pc.close();
  }

  private receive(track: MediaStreamTrack, transceiver: RTCRtpTransceiver): void {
    const kind = track.kind as Kind;
    const published: PublishedTrack = { transceiver, track, viewers: new Set() };
    this.tracks.set(kind, published);
    track.onReceiveRtp.subscribe((rtp: RtpPacket) => {
      this.lastRtp = performance.now();
      if (!published.codec) {
        published.codec = codecOfPayload(transceiver.codecs, rtp.header.payloadType);
        if (kind === "video") this.firstMedia();
      }
      if (published.viewers.size === 0) return;
      // Each viewer's sender rewrites the header it is given: every viewer gets its own copy.
      const bytes = rtp.serialize();
      for (const write of published.viewers) write(bytes);
    });
  }

  private firstMedia(): void {
    for (const listener of this.mediaListeners) listener();
    this.watchdog = setInterval(() => {
      if (performance.now() - this.lastRtp > PUBLISHER_SILENCE_MS) void this.close();
    }, 1_000);
    this.watchdog.unref();
  }
}

/**
 * A WHEP viewer of a WHIP publisher (client offer mode): a werift peer that sends, on the
 * transceivers the viewer's offer asks to receive, the publisher's tracks in the publisher's codecs.
 */
export class WhepViewer {
  readonly id = newSessionId();
  private readonly unsubscribe: (() => void)[] = [];
  private closed = false;

  private constructor(
    readonly pc: RTCPeerConnection,
    private readonly publisher: WhipPublisher,
  ) {}

  static async fromOffer(
    offer: string,
    host: string,
    publisher: WhipPublisher,
  ): Promise<{ viewer: WhepViewer; answer: string }> {
    const codecs = publisher.codecs();
    const same = (codec: RTCRtpCodecParameters | undefined) =>
      codec
        ? [
            new Codec({
              mimeType: codec.mimeType,
              clockRate: codec.clockRate,
              ...(codec.channels === undefined ? {} : { channels: codec.channels }),
              ...(codec.parameters === undefined ? {} : { parameters: codec.parameters }),
              rtcpFeedback: codec.rtcpFeedback,
            }),
          ]
        : [];
    const pc = loopbackPeer({
      host,
      iceLite: true,
      codecs: { video: same(codecs.video), audio: same(codecs.audio) },
    });
    const viewer = new WhepViewer(pc, publisher);
    publisher.onEnd(() => void viewer.close());
    pc.connectionStateChange.subscribe((state) => {
      if (state === "connected") publisher.requestKeyframe();
      if (state === "failed" || state === "closed") void viewer.close();
    });
    // A viewer that never connects (it left before ICE completed) is let go.
    setTimeout(() => {
      if (pc.connectionState !== "connected") void viewer.close();
    }, VIEWER_CONNECT_DEADLINE_MS).unref();
    try {
      const answer = await answerOffer(pc, offer, () => {
        for (const transceiver of pc.getTransceivers()) viewer.feed(transceiver);
      });
      return { viewer, answer };
    } catch (e) {
      await viewer.close();
      throw e;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const unsubscribe of this.unsubscribe) unsubscribe();
    await this.pc.close();
  }

  private feed(transceiver: RTCRtpTransceiver): void {
    const kind = transceiver.kind as Kind;
    const track = new MediaStreamTrack({ kind });
    transceiver.setDirection("sendonly");
    void transceiver.sender.replaceTrack(track);
    this.unsubscribe.push(this.publisher.subscribe(kind, (rtp) => track.writeRtp(rtp)));
    if (kind === "video") {
      const pli = transceiver.sender.onPictureLossIndication.subscribe(() =>
        this.publisher.requestKeyframe(),
      );
      this.unsubscribe.push(() => pli.unSubscribe());
    }
  }
}
