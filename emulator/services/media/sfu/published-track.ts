import {
  type MediaStreamTrack,
  PictureLossIndication,
  type RTCRtpCodecParameters,
  type RTCRtpSender,
  type RTCRtpTransceiver,
  type RtcpPacket,
  RtcpPayloadSpecificFeedback,
  RtpHeader,
  RtpPacket,
} from "werift";

/** A Full Intra Request (RFC 5104 §4.3.1, payload-specific feedback FMT 4), which werift does not export. */
const FIR_FMT = 4;

/**
 * Whether an RTCP packet asks `ssrc`'s sender for a keyframe: a PLI naming it, or a FIR with an
 * entry for it. Read off the transport rather than `sender.onPictureLossIndication`: werift 0.24
 * routes a PLI by its *sender* SSRC first, so that on a connection that also publishes, a
 * browser's PLI reaches the receiver of its own track instead of the sender it names.
 */
function asksForKeyframe(packet: RtcpPacket, ssrc: number): boolean {
  if (!(packet instanceof RtcpPayloadSpecificFeedback)) return false;
  const { feedback } = packet;
  if (feedback.count === PictureLossIndication.count) return feedback.mediaSsrc === ssrc;
  return feedback.count === FIR_FMT && "fir" in feedback && feedback.fir.some((entry) => entry.ssrc === ssrc);
}

/**
 * One track a session publishes: the RTP its receiving transceiver gets, fanned out to every
 * session that pulls it. The SFU never decodes: each subscriber gets a copy of each packet with
 * its own SSRC, payload type and header extensions (werift's sender writes them), and keyframe
 * requests travel back from any subscriber to the publisher.
 */
export class PublishedTrack {
  private readonly subscribers = new Set<RTCRtpSender>();
  private source: MediaStreamTrack | undefined;
  private readonly unsubscribe: (() => void)[] = [];
  /** `performance.now()` of the last packet, or of publishing while none came. */
  lastMediaAt = performance.now();

  /**
   * `dropped`: whether the next packet is dropped instead of forwarded (an injected fault); asked
   * only while someone pulls the track, so that a rule's count and probability go to packets a
   * subscriber misses.
   */
  constructor(
    private readonly transceiver: RTCRtpTransceiver,
    private readonly dropped: () => boolean = () => false,
  ) {
    for (const track of transceiver.receiver.tracks) this.attach(track);
    this.unsubscribe.push(transceiver.onTrack.subscribe((track) => this.attach(track)).unSubscribe);
  }

  get kind(): "audio" | "video" {
    return this.transceiver.kind === "audio" ? "audio" : "video";
  }

  /** What the publisher sends with: the first codec of the answer it applied (JSEP). */
  get codec(): RTCRtpCodecParameters {
    return this.transceiver.codecs[0]!;
  }

  /** Forwards to `sender` from now on, and asks for a keyframe once it can be sent to. */
  subscribe(sender: RTCRtpSender): () => void {
    this.subscribers.add(sender);
    const { unSubscribe: onPli } = sender.dtlsTransport.onRtcp.subscribe((packet) => {
      if (asksForKeyframe(packet, sender.ssrc)) this.requestKeyframe();
    });
    const { unSubscribe: onReady } = sender.onReady.subscribe(() => this.requestKeyframe());
    return () => {
      this.subscribers.delete(sender);
      onPli();
      onReady();
    };
  }

  /** A PLI to the publisher (RFC 4585 §6.3.1): what a subscriber that joins or lost packets needs to decode. */
  requestKeyframe(): void {
    if (this.kind !== "video" || this.source?.ssrc === undefined) return;
    void this.transceiver.receiver.sendRtcpPLI(this.source.ssrc).catch(() => {});
  }

  stop(): void {
    for (const unsubscribe of this.unsubscribe.splice(0)) unsubscribe();
    this.subscribers.clear();
  }

  /**
   * The first stream that arrives is the track; simulcast layers (more streams on one
   * transceiver) are not told apart.
   */
  private attach(track: MediaStreamTrack): void {
    if (this.source) return;
    this.source = track;
    this.unsubscribe.push(track.onReceiveRtp.subscribe((rtp) => this.forward(rtp)).unSubscribe);
  }

  private forward(rtp: RtpPacket): void {
    this.lastMediaAt = performance.now();
    if (this.subscribers.size === 0 || this.dropped()) return;
    const { marker, payloadType, sequenceNumber, timestamp, ssrc, padding, paddingSize, csrc } = rtp.header;
    for (const sender of this.subscribers) {
      // werift's sender rewrites the header it is given and keeps the packet for retransmission:
      // each subscriber needs its own, without the publisher's extension ids.
      const header = new RtpHeader({
        marker,
        payloadType,
        sequenceNumber,
        timestamp,
        ssrc,
        padding,
        paddingSize,
        csrc,
        csrcLength: csrc.length,
      });
      void sender.sendRtp(new RtpPacket(header, rtp.payload)).catch(() => {});
    }
  }
}
