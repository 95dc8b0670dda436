import { type PeerConfig, RTCPeerConnection } from "werift";

/** The only address the local media plane listens on. */
export const MEDIA_HOST = "127.0.0.1";

/** What a description is handed over as: the Realtime, WHIP and WHEP APIs all carry `{type, sdp}`. */
export interface Description {
  type: "offer" | "answer";
  sdp: string;
}

/**
 * A werift peer connection that gathers one host candidate, on loopback, and nothing else: no
 * STUN, no TURN, no other interface. Servers of the media plane (the SFU, WHIP, WHEP) pass
 * `iceLite`, as Cloudflare's edge answers as an ICE-lite agent; test clients leave it off.
 */
export function loopbackPeer(config: Partial<PeerConfig> = {}): RTCPeerConnection {
  return new RTCPeerConnection({
    // werift adds every non-loopback interface unless both families are off; the one host
    // address then comes from `iceAdditionalHostAddresses`, and the socket binds to it.
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: [MEDIA_HOST],
    iceInterfaceAddresses: { udp4: MEDIA_HOST },
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
