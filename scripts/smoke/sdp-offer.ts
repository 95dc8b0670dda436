import { randomBytes, randomInt } from "node:crypto";

/**
 * A browser-shaped publish offer for one audio track, as `RTCPeerConnection.createOffer()` writes
 * it: enough for the SFU to answer and register the track. No media ever flows, so the ICE and
 * DTLS identities are random.
 */
export function audioPublishOffer(mid: string): string {
  const fingerprint = [...randomBytes(32)]
    .map((b) => b.toString(16).padStart(2, "0").toUpperCase())
    .join(":");
  return [
    "v=0",
    `o=- ${randomInt(1, 2 ** 47)} 2 IN IP4 127.0.0.1`,
    "s=-",
    "t=0 0",
    `a=group:BUNDLE ${mid}`,
    "a=msid-semantic: WMS smoke",
    "m=audio 9 UDP/TLS/RTP/SAVPF 111",
    "c=IN IP4 0.0.0.0",
    "a=rtcp:9 IN IP4 0.0.0.0",
    `a=ice-ufrag:${randomBytes(3).toString("hex")}`,
    `a=ice-pwd:${randomBytes(12).toString("hex")}`,
    "a=ice-options:trickle",
    `a=fingerprint:sha-256 ${fingerprint}`,
    "a=setup:actpass",
    `a=mid:${mid}`,
    "a=sendonly",
    "a=msid:smoke smoke-audio",
    "a=rtcp-mux",
    "a=rtpmap:111 opus/48000/2",
    "a=fmtp:111 minptime=10;useinbandfec=1",
    `a=ssrc:${randomInt(1, 2 ** 32 - 1)} cname:smoke`,
    "",
  ].join("\r\n");
}
