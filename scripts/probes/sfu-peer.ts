import {
  MediaStreamTrack,
  type PeerConfig,
  RTCPeerConnection,
  type RTCRtpTransceiver,
  RtpHeader,
  RtpPacket,
} from "werift";
import type { ServerClient } from "#client/server.ts";
import { ProbeFailed } from "./probe.ts";

/** What the Worker's `POST /api/realtime/sfu` hands an app: a session and the token for its proxy. */
export interface ProxiedSession {
  session_id: string;
  token: string;
  app_id: string;
}

/** How a probe peer reaches the SFU: ICE servers (TURN for the relayed probe), and where it may gather. */
export interface PeerNetwork {
  iceServers: PeerConfig["iceServers"];
  /** Only relay candidates (`iceTransportPolicy: "relay"`): media must go through TURN. */
  relayOnly: boolean;
  /**
   * Gather on 127.0.0.1 alone: the local stack's SFU and coturn listen there (and nothing here may
   * send elsewhere); against Cloudflare, every interface.
   */
  loopback: boolean;
}

function peerConfig(network: PeerNetwork): Partial<PeerConfig> {
  return {
    iceServers: network.iceServers,
    iceTransportPolicy: network.relayOnly ? "relay" : "all",
    // One transport for every section: what browsers negotiate with Cloudflare.
    bundlePolicy: "max-bundle",
    ...(network.loopback
      ? {
          // werift adds every non-loopback interface unless both families are off; the one host
          // address then comes from iceAdditionalHostAddresses, and the sockets bind to it.
          iceUseIpv4: false,
          iceUseIpv6: false,
          iceAdditionalHostAddresses: ["127.0.0.1"],
          iceInterfaceAddresses: { udp4: "127.0.0.1" },
        }
      : {}),
  };
}

/**
 * Sets the local description and resolves once gathering is complete, with the candidates in it:
 * the Realtime API takes whole descriptions, it does not trickle.
 */
async function gatheredDescription(
  pc: RTCPeerConnection,
  description: Promise<{ type: string; sdp: string }>,
  signal: AbortSignal,
): Promise<{ type: "offer" | "answer"; sdp: string }> {
  const gathered = new Promise<void>((resolve, reject) => {
    if (pc.iceGatheringState === "complete") return resolve();
    const { unSubscribe } = pc.iceGatheringStateChange.subscribe((state) => {
      if (state !== "complete") return;
      unSubscribe();
      resolve();
    });
    const onAbort = () => {
      unSubscribe();
      reject(new ProbeFailed("ICE gathering did not complete"));
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
  await pc.setLocalDescription((await description) as Parameters<typeof pc.setLocalDescription>[0]);
  await gathered;
  const local = pc.localDescription!;
  return { type: local.type as "offer" | "answer", sdp: local.sdp };
}

/** Resolves once the peer connection is connected; fails when it fails or closes. */
export function connected(pc: RTCPeerConnection, signal: AbortSignal, who: string): Promise<void> {
  if (pc.connectionState === "connected") return Promise.resolve();
  return new Promise((resolve, reject) => {
    const { unSubscribe } = pc.connectionStateChange.subscribe((state) => {
      if (state === "connected") done();
      else if (state === "failed" || state === "closed")
        done(new ProbeFailed(`the ${who}'s connection to the SFU ${state}`));
    });
    const onAbort = () =>
      done(new ProbeFailed(`the ${who} did not connect to the SFU (ICE ${pc.iceConnectionState})`));
    signal.addEventListener("abort", onAbort, { once: true });
    function done(error?: Error) {
      unSubscribe();
      signal.removeEventListener("abort", onAbort);
      if (error) reject(error);
      else resolve();
    }
  });
}

const itemErrors = (items: { errorCode?: string | undefined; errorDescription?: string | undefined }[]) =>
  items
    .filter((t) => t.errorCode)
    .map((t) => `${t.errorCode}${t.errorDescription ? ` (${t.errorDescription})` : ""}`);

/** Throws when a Realtime answer (or any of its items) carries an error. */
export function checkItems(
  what: string,
  answer: { errorCode?: string; errorDescription?: string },
  items: Parameters<typeof itemErrors>[0],
) {
  const errors = [...itemErrors([answer]), ...itemErrors(items)];
  if (errors.length > 0) throw new ProbeFailed(`${what} failed: ${errors.join(", ")}`);
}

/** A probe peer: one werift peer connection per SFU session, as the Realtime API has it. */
export class ProbePeer {
  readonly pc: RTCPeerConnection;

  constructor(
    readonly api: ServerClient,
    readonly session: ProxiedSession,
    network: PeerNetwork,
  ) {
    this.pc = new RTCPeerConnection(peerConfig(network));
  }

  /**
   * Publishes a video track (and opens the SCTP association for DataChannels) with this peer's own
   * offer through the session proxy's `tracks/new`, and applies the SFU's answer.
   */
  async publish(trackName: string, signal: AbortSignal): Promise<MediaStreamTrack> {
    const track = new MediaStreamTrack({ kind: "video" });
    const transceiver = this.pc.addTransceiver(track, { direction: "sendonly" });
    this.pc.createDataChannel("transport");
    const offer = await gatheredDescription(this.pc, this.pc.createOffer(), signal);
    const answer = await this.api
      .session(this.session)
      .sfuTracksNew(
        { sessionDescription: offer, tracks: [{ location: "local", mid: transceiver.mid!, trackName }] },
        { signal },
      );
    checkItems("publishing the probe track", answer, answer.tracks);
    if (answer.sessionDescription?.type !== "answer")
      throw new ProbeFailed("tracks/new (local) returned no SDP answer");
    await this.pc.setRemoteDescription(answer.sessionDescription);
    return track;
  }

  /**
   * Pulls another session's track on a recvonly section of this peer's own offer; `onRtp` hears
   * each packet (subscribed before the answer is applied, when werift announces the track).
   */
  async pull(
    from: ProxiedSession,
    trackName: string,
    onRtp: (rtp: RtpPacket) => void,
    signal: AbortSignal,
  ): Promise<RTCRtpTransceiver> {
    const transceiver = this.pc.addTransceiver("video", { direction: "recvonly" });
    transceiver.onTrack.subscribe((track) => track.onReceiveRtp.subscribe(onRtp));
    this.pc.createDataChannel("transport");
    const offer = await gatheredDescription(this.pc, this.pc.createOffer(), signal);
    const answer = await this.api.session(this.session).sfuTracksNew(
      {
        sessionDescription: offer,
        tracks: [{ location: "remote", mid: transceiver.mid!, sessionId: from.session_id, trackName }],
      },
      { signal },
    );
    checkItems("pulling the probe track", answer, answer.tracks);
    if (answer.sessionDescription?.type !== "answer")
      throw new ProbeFailed("tracks/new (remote) returned no SDP answer");
    await this.pc.setRemoteDescription(answer.sessionDescription);
    return transceiver;
  }

  async close(): Promise<void> {
    await this.pc.close();
  }
}

/** RTP the publisher sends: numbered, so that the puller can tell the probe's own packets. */
export function probePacket(sequenceNumber: number, ssrcTag: number): RtpPacket {
  return new RtpPacket(
    new RtpHeader({ sequenceNumber, timestamp: sequenceNumber * 3000, payloadType: 96, marker: true }),
    Buffer.from(`probe ${ssrcTag} ${sequenceNumber}`),
  );
}
