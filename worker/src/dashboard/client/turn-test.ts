import type { Api } from "./api.ts";

/** Long enough for a TURN allocation over TCP after UDP failed; short enough for someone waiting. */
const GATHER_TIMEOUT_MS = 10_000;

/**
 * Fresh TURN credentials, then a real allocation from this browser: ICE gathering restricted to
 * relay candidates, which only a TURN server that accepted the credentials can give.
 */
export async function testTurn(api: Api): Promise<string> {
  const { iceServers } = await api.turn();
  const pc = new RTCPeerConnection({ iceServers, iceTransportPolicy: "relay" });
  try {
    pc.createDataChannel("turn-test");
    const relays: string[] = [];
    const gathered = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, GATHER_TIMEOUT_MS);
      pc.addEventListener("icecandidate", (event) => {
        if (event.candidate?.type === "relay") relays.push(event.candidate.protocol ?? "?");
        if (!event.candidate) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    await pc.setLocalDescription(await pc.createOffer());
    await gathered;
    if (relays.length === 0) {
      throw new Error(
        `no relay candidate within ${GATHER_TIMEOUT_MS / 1000} s: the TURN server is unreachable or refused the credentials`,
      );
    }
    return `${relays.length} relay candidate${relays.length === 1 ? "" : "s"} (${[...new Set(relays)].join(", ")})`;
  } finally {
    pc.close();
  }
}
