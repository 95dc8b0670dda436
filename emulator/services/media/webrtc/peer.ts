import {
  type PeerConfig,
  RTCPeerConnection,
  type RTCRtpCodecParameters,
  useH264,
  useOPUS,
  useVP8,
  useVP9,
} from "werift";

/**
 * werift (MIT, 0.24.4: 0.25 declares Node 22) peers for the emulator's WebRTC endpoints, on loopback
 * only. They are ICE lite, as media servers are: the browser, a full ICE agent, finds the path from
 * the candidates in the answer, so a client that never trickles its own candidates connects too.
 */
export interface LoopbackPeerOptions {
  host: string;
  codecs: PeerConfig["codecs"];
}

export function loopbackPeer({ host, codecs }: LoopbackPeerOptions): RTCPeerConnection {
  return new RTCPeerConnection({
    codecs,
    iceLite: true,
    iceUseIpv6: false,
    iceInterfaceAddresses: { udp4: host },
    iceAdditionalHostAddresses: [host],
  });
}

/** Cloudflare Stream's WebRTC codecs (docs/reference/media-and-providers.md §2): VP8, VP9, H.264 constrained baseline 42e01f; Opus. */
export const STREAM_WEBRTC_CODECS = {
  video: [useVP8(), useVP9(), useH264()],
  audio: [useOPUS()],
} satisfies PeerConfig["codecs"];

/**
 * The answer to a client's offer, with the ICE candidates gathered (werift gathers in
 * setLocalDescription), keeping only the candidates on `host`: werift names every interface's
 * address, but its socket is bound to `host` alone.
 */
export async function answerOffer(
  pc: RTCPeerConnection,
  offer: string,
  host: string,
  /** Runs between the offer and the answer, e.g. to attach tracks to the transceivers it created. */
  prepare?: () => void,
): Promise<string> {
  await pc.setRemoteDescription({ type: "offer", sdp: offer });
  prepare?.();
  await pc.setLocalDescription(await pc.createAnswer());
  return onlyCandidatesOn(pc.localDescription!.sdp, host);
}

export function onlyCandidatesOn(sdp: string, host: string): string {
  return sdp
    .split("\r\n")
    .filter((line) => !line.startsWith("a=candidate:") || line.split(" ")[4] === host)
    .join("\r\n");
}

/** Whether an SDP offer can be answered here: it parses and has at least one m-line. */
export const looksLikeSdp = (sdp: string) => sdp.startsWith("v=0") && /\r?\nm=/.test(sdp);

/**
 * Applies an `application/trickle-ice-sdpfrag` body (RFC 8840, as WHIP and WHEP PATCH it): its
 * candidates, each for the media section it follows. Returns false when it names other ICE
 * credentials (an ICE restart), which is not supported here.
 */
export async function applySdpFragment(pc: RTCPeerConnection, fragment: string): Promise<boolean> {
  const ufrag = /^a=ice-ufrag:(.+)$/m.exec(fragment)?.[1]?.trim();
  const remote = pc.remoteDescription?.sdp;
  if (ufrag && remote && !remote.includes(`a=ice-ufrag:${ufrag}`)) return false;
  let mid: string | undefined;
  let index = -1;
  for (const line of fragment.split(/\r?\n/)) {
    if (line.startsWith("m=")) index += 1;
    if (line.startsWith("a=mid:")) mid = line.slice("a=mid:".length).trim();
    if (line.startsWith("a=candidate:")) {
      await pc.addIceCandidate({
        candidate: line.slice(2).trim(),
        ...(mid === undefined ? { sdpMLineIndex: Math.max(index, 0) } : { sdpMid: mid }),
      });
    }
  }
  return true;
}

/** The codec a received RTP payload type stands for among the transceiver's negotiated ones. */
export const codecOfPayload = (codecs: RTCRtpCodecParameters[], payloadType: number) =>
  codecs.find((c) => c.payloadType === payloadType);
