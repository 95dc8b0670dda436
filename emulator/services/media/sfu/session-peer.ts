import type { RTCDataChannel, RTCRtpCodecParameters, RTCRtpTransceiver } from "werift";
import {
  acceptedCodecs,
  acceptedHeaderExtensions,
  codecFor,
  dropUnusableFeedback,
  headerExtensionsFor,
} from "../webrtc/codecs.ts";
import { connectedWithin, describeLocally, loopbackPeer } from "../webrtc/peer.ts";

/** How a DataChannel delivers: the SFU's end must match the client's (docs/reference/cloudflare-api.md §5.2). */
export interface ChannelDelivery {
  ordered?: boolean;
  maxRetransmits?: number;
  maxPacketLifeTime?: number;
}

/**
 * The SFU's end of one Realtime session: a single peer connection that carries every track the
 * session publishes and pulls, and its DataChannels, negotiated in both directions (the client's
 * offers through `tracks/new`, the SFU's own through `renegotiate`).
 */
export class SessionPeer {
  readonly pc = loopbackPeer({
    iceLite: true,
    codecs: acceptedCodecs(),
    headerExtensions: acceptedHeaderExtensions(),
  });
  /** An offer/answer exchange has completed, so the connection can come up. */
  negotiated = false;

  /** The SFU sent an offer that the client has yet to answer. */
  get awaitingAnswer(): boolean {
    return this.pc.signalingState === "have-local-offer";
  }

  /** The negotiated descriptions include an SCTP association for DataChannels. */
  get carriesDataChannels(): boolean {
    return this.negotiated && this.pc.sctpTransport !== undefined;
  }

  transceiver(mid: string): RTCRtpTransceiver | undefined {
    return this.pc.getTransceivers().find((t) => t.mid === mid);
  }

  /** Applies the client's offer; werift's refusal (a codec it cannot take, a bad state) is thrown. */
  async applyOffer(sdp: string): Promise<void> {
    await this.pc.setRemoteDescription({ type: "offer", sdp });
    for (const t of this.pc.getTransceivers()) dropUnusableFeedback(t);
    // The SFU answers `a=setup:passive` and waits as the DTLS server, as it does when the client
    // answers its offers: werift would otherwise take the client role, whose handshake retries go
    // on for half a minute after a client that never connects is gone.
    for (const dtls of this.pc.dtlsTransports) if (dtls.role === "auto") dtls.role = "server";
  }

  /** Sends on a media section of the client's offer (a pull it offered itself): `sendonly` from the SFU. */
  sendOn(transceiver: RTCRtpTransceiver, codec: RTCRtpCodecParameters, label: MsidLabel): void {
    transceiver.codecs = [codecFor(codec, this.pc.getTransceivers())];
    transceiver.setDirection("sendonly");
    this.label(transceiver, label);
  }

  async answer(): Promise<string> {
    const { sdp } = await describeLocally(this.pc, this.pc.createAnswer());
    this.negotiated = true;
    return sdp;
  }

  /** A new media section sending `codec`; it gets its mid when the SFU next offers. */
  addSender(kind: "audio" | "video", codec: RTCRtpCodecParameters, label: MsidLabel): RTCRtpTransceiver {
    const others = this.pc.getTransceivers();
    const transceiver = this.pc.addTransceiver(kind, { direction: "sendonly" });
    transceiver.codecs = [codecFor(codec, others)];
    transceiver.headerExtensions = headerExtensionsFor(kind, others);
    this.label(transceiver, label);
    return transceiver;
  }

  async offer(): Promise<string> {
    return (await describeLocally(this.pc, this.pc.createOffer())).sdp;
  }

  async applyAnswer(sdp: string): Promise<void> {
    await this.pc.setRemoteDescription({ type: "answer", sdp });
    for (const t of this.pc.getTransceivers()) dropUnusableFeedback(t);
    this.negotiated = true;
  }

  /** Resolves whether the connection is up (waiting at most `timeoutMs`), and its SCTP association when it has one. */
  async connected(timeoutMs: number): Promise<boolean> {
    const started = performance.now();
    if (!(await connectedWithin(this.pc, timeoutMs))) return false;
    const sctp = this.pc.sctpTransport;
    if (!sctp || sctp.sctp.state === "connected") return true;
    const left = Math.max(0, timeoutMs - (performance.now() - started));
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(false), left);
      const { unSubscribe } = sctp.sctp.stateChanged.connected.subscribe(() => done(true));
      function done(up: boolean) {
        clearTimeout(timer);
        unSubscribe();
        resolve(up);
      }
    });
  }

  /** A negotiated (out-of-band) DataChannel on `id`, as `datachannels/new` allocates them. */
  dataChannel(id: number, label: string, delivery: ChannelDelivery): RTCDataChannel {
    return this.pc.createDataChannel(label, { negotiated: true, id, ...delivery });
  }

  /** Stream ids in use on the association, the client's own in-band channels included. */
  channelIdsInUse(): Set<number> {
    return new Set(Object.keys(this.pc.sctpTransport?.dataChannels ?? {}).map(Number));
  }

  async close(): Promise<void> {
    await this.pc.close().catch(() => {});
  }

  /** `a=msid:<publisher session> <track name>`, so that a client can tell which pulled track arrived on a mid. */
  private label(transceiver: RTCRtpTransceiver, { stream, track }: MsidLabel): void {
    transceiver.sender.streamId = stream;
    (transceiver.sender as { trackId: string }).trackId = track;
  }
}

export interface MsidLabel {
  stream: string;
  track: string;
}
