/** A browser-like publish offer (trimmed to what an SFU reads): one audio and one video track. */
export const PUBLISH_OFFER = {
  type: "offer",
  sdp: [
    "v=0",
    "o=- 1234567890123456789 2 IN IP4 127.0.0.1",
    "s=-",
    "t=0 0",
    "a=group:BUNDLE 0 1",
    "m=audio 9 UDP/TLS/RTP/SAVPF 111",
    "c=IN IP4 0.0.0.0",
    "a=ice-ufrag:Qw3r",
    "a=ice-pwd:b7T1k9sL2mN4pQ6rS8uV0wX2",
    "a=fingerprint:sha-256 11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00",
    "a=setup:actpass",
    "a=mid:0",
    "a=sendonly",
    "a=rtcp-mux",
    "a=rtpmap:111 opus/48000/2",
    "m=video 9 UDP/TLS/RTP/SAVPF 96",
    "c=IN IP4 0.0.0.0",
    "a=mid:1",
    "a=sendonly",
    "a=rtpmap:96 VP8/90000",
    "",
  ].join("\r\n"),
} as const;

/** What a browser answers to the SFU's offer: the same mids, directions mirrored. */
export const answerTo = (sdp: string) =>
  ({
    type: "answer",
    sdp: sdp.replace(/a=setup:actpass/g, "a=setup:active").replace(/a=sendonly/g, "a=recvonly"),
  }) as const;
