import { type PeerConfig, RTCPeerConnection, type RTCRtpCodecParameters } from "werift";

/**
 * werift (MIT, 0.24.4: 0.25 declares Node 22) peers for the media plane: the SFU, WHIP and WHEP
 * servers, and the test clients.
 */

/** The address the local media plane listens on, unless the emulator is told another. */
export const MEDIA_HOST = "127.0.0.1";

/** What a description is handed over as: the Realtime, WHIP and WHEP APIs all carry `{type, sdp}`. */
export interface Description {
  type: "offer" | "answer";
  sdp: string;
}

export interface LoopbackPeerOptions extends Partial<PeerConfig> {
  /** The one address to gather a host candidate on. Default MEDIA_HOST. */
  host?: string;
}

/**
 * A werift peer connection that gathers one host candidate, on `host`, and nothing else: no
 * STUN, no TURN, no other interface. Servers of the media plane pass `iceLite`, as Cloudflare's
 * edge answers as an ICE-lite agent (a client that never trickles its candidates connects too);
 * test clients leave it off.
 */
export function loopbackPeer({ host = MEDIA_HOST, ...config }: LoopbackPeerOptions = {}): RTCPeerConnection {
  return new RTCPeerConnection({
    // werift adds every non-loopback interface unless both families are off; the one host
    // address then comes from `iceAdditionalHostAddresses`, and the socket binds to it.
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: [host],
    iceInterfaceAddresses: { udp4: host },
    iceServers: [],
    // One transport for every media section: what browsers negotiate with Cloudflare.
    bundlePolicy: "max-bundle",
    ...config,
  });
}

/**
 * Sets the local description and resolves once candidate gathering is complete, with the
 * candidates in it: the APIs it is handed to do not trickle (Cloudflare's answers carry theirs).
 */
export async function describeLocally(
  pc: RTCPeerConnection,
  description: Promise<{ type: string; sdp: string }>,
): Promise<Description> {
  const gathered =
    pc.iceGatheringState === "complete"
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const { unSubscribe } = pc.iceGatheringStateChange.subscribe((state) => {
            if (state !== "complete") return;
            unSubscribe();
            resolve();
          });
        });
  await pc.setLocalDescription((await description) as Parameters<typeof pc.setLocalDescription>[0]);
  await gathered;
  const local = pc.localDescription!;
  return { type: local.type as Description["type"], sdp: local.sdp };
}

/**
 * The answer to a client's offer, with its candidates.
 * @param prepare runs between the offer and the answer, e.g. to attach tracks to the transceivers it created.
 */
export async function answerOffer(
  pc: RTCPeerConnection,
  offer: string,
  prepare?: () => void,
): Promise<string> {
  await pc.setRemoteDescription({ type: "offer", sdp: offer });
  prepare?.();
  return (await describeLocally(pc, pc.createAnswer())).sdp;
}

/** Resolves `true` once the connection is `connected`, `false` if it is not within `timeoutMs`. */
export function connectedWithin(pc: RTCPeerConnection, timeoutMs: number): Promise<boolean> {
  if (pc.connectionState === "connected") return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => done(false), timeoutMs);
    const { unSubscribe } = pc.connectionStateChange.subscribe((state) => {
      if (state === "connected") done(true);
      else if (state === "closed" || state === "failed") done(false);
    });
    function done(connected: boolean) {
      clearTimeout(timer);
      unSubscribe();
      resolve(connected);
    }
  });
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
