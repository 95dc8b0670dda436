import { createHash } from "node:crypto";

/**
 * Just enough SDP (RFC 8866, JSEP RFC 8829) for a synthetic SFU: read the media sections of a
 * client's description and write well-formed offers and answers that a browser can apply.
 */

export type MediaKind = "audio" | "video" | "application";
export type Direction = "sendrecv" | "sendonly" | "recvonly" | "inactive";

export interface MediaSection {
  mid: string;
  kind: MediaKind;
  /** As seen from the side that wrote the description. */
  direction: Direction;
}

/** The SFU end's ICE and DTLS identity, stable for a session across renegotiations. */
export interface SdpIdentity {
  /** Numeric, for the `o=` line. */
  sessionId: string;
  iceUfrag: string;
  icePwd: string;
  /** `sha-256 AB:CD:…` */
  fingerprint: string;
}

export class SdpError extends Error {}

const MEDIA_LINE = /^m=(audio|video|application) (\d+) (\S+) (.+)$/;
const DIRECTIONS = new Set<string>(["sendrecv", "sendonly", "recvonly", "inactive"]);

/**
 * The media sections of a session description, in order. Throws `SdpError` unless it is
 * well-formed: `v=0` first, `o=`, `s=` and `t=` before the first `m=`, every section with a unique mid.
 */
export function parseMediaSections(sdp: string): MediaSection[] {
  const lines = sdp.split(/\r?\n/).filter((l) => l !== "");
  if (lines[0] !== "v=0") throw new SdpError("SDP must start with v=0");
  const firstMedia = lines.findIndex((l) => l.startsWith("m="));
  if (firstMedia === -1) throw new SdpError("SDP has no m= section");
  const sessionPart = lines.slice(0, firstMedia);
  for (const field of ["o=", "s=", "t="]) {
    if (!sessionPart.some((l) => l.startsWith(field))) throw new SdpError(`SDP has no ${field} line`);
  }
  const sessionDirection = sessionPart.map((l) => l.slice(2)).find((a) => DIRECTIONS.has(a));
  const sections: MediaSection[] = [];
  let current: { kind: MediaKind; mid?: string; direction?: Direction } | undefined;
  const close = () => {
    if (!current) return;
    if (current.mid === undefined)
      throw new SdpError(`m=${current.kind} section ${sections.length} has no a=mid`);
    if (sections.some((s) => s.mid === current!.mid))
      throw new SdpError(`a=mid:${current.mid} appears twice`);
    sections.push({
      mid: current.mid,
      kind: current.kind,
      direction: current.direction ?? (sessionDirection as Direction | undefined) ?? "sendrecv",
    });
  };
  for (const line of lines.slice(firstMedia)) {
    if (!/^[a-z]=/.test(line)) throw new SdpError(`not an SDP line: ${line.slice(0, 40)}`);
    if (line.startsWith("m=")) {
      close();
      const media = MEDIA_LINE.exec(line);
      if (!media) throw new SdpError(`unsupported media line: ${line.slice(0, 60)}`);
      current = { kind: media[1] as MediaKind };
    } else if (line.startsWith("a=mid:") && current) {
      current.mid = line.slice("a=mid:".length).trim();
      if (current.mid === "") throw new SdpError("empty a=mid");
    } else if (current && DIRECTIONS.has(line.slice(2)) && line.startsWith("a=")) {
      current.direction = line.slice(2) as Direction;
    }
  }
  close();
  return sections;
}

/** The direction an answer takes for an offered one. */
export function answerDirection(offered: Direction): Direction {
  if (offered === "sendonly") return "recvonly";
  if (offered === "recvonly") return "sendonly";
  return offered;
}

/** A stable synthetic identity for a session, derived from its id. */
export function sdpIdentity(sessionId: string): SdpIdentity {
  const digest = createHash("sha256").update(`sfu-session:${sessionId}`).digest();
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const iceChars = (from: number, count: number) =>
    Array.from(digest.subarray(from, from + count), (b) => alphabet[b % 64]).join("");
  const fingerprint = createHash("sha256").update(digest).digest();
  return {
    sessionId: BigInt(`0x${digest.subarray(0, 7).toString("hex")}`).toString(),
    iceUfrag: iceChars(0, 8),
    icePwd: iceChars(8, 24),
    fingerprint: `sha-256 ${Array.from(fingerprint, (b) => b.toString(16).padStart(2, "0").toUpperCase()).join(":")}`,
  };
}

const CODECS: Record<MediaKind, { proto: string; formats: string; attributes: string[] }> = {
  audio: {
    proto: "UDP/TLS/RTP/SAVPF",
    formats: "111",
    attributes: ["a=rtcp-mux", "a=rtpmap:111 opus/48000/2", "a=fmtp:111 minptime=10;useinbandfec=1"],
  },
  video: {
    proto: "UDP/TLS/RTP/SAVPF",
    formats: "96",
    attributes: [
      "a=rtcp-mux",
      "a=rtcp-rsize",
      "a=rtpmap:96 VP8/90000",
      "a=rtcp-fb:96 nack",
      "a=rtcp-fb:96 nack pli",
      "a=rtcp-fb:96 ccm fir",
    ],
  },
  application: { proto: "UDP/DTLS/SCTP", formats: "webrtc-datachannel", attributes: ["a=sctp-port:5000"] },
};

export interface DescriptionToWrite {
  type: "offer" | "answer";
  identity: SdpIdentity;
  /** The `o=` version: JSEP has it grow with every description the same side writes. */
  version: number;
  sections: MediaSection[];
  /** Labels what the SFU sends on a mid (`a=msid`), so the client can tell which track arrived where. */
  streamIds?: Record<string, { stream: string; track: string }>;
}

/** Writes a description from the SFU's side. */
export function writeSessionDescription({
  type,
  identity,
  version,
  sections,
  streamIds = {},
}: DescriptionToWrite): string {
  const lines = [
    "v=0",
    `o=- ${identity.sessionId} ${version} IN IP4 127.0.0.1`,
    "s=-",
    "t=0 0",
    `a=group:BUNDLE ${sections.map((s) => s.mid).join(" ")}`,
    "a=ice-lite",
    "a=msid-semantic: WMS *",
  ];
  for (const section of sections) {
    const codec = CODECS[section.kind];
    const msid = streamIds[section.mid];
    lines.push(
      `m=${section.kind} 9 ${codec.proto} ${codec.formats}`,
      "c=IN IP4 0.0.0.0",
      `a=ice-ufrag:${identity.iceUfrag}`,
      `a=ice-pwd:${identity.icePwd}`,
      `a=fingerprint:${identity.fingerprint}`,
      `a=setup:${type === "offer" ? "actpass" : "passive"}`,
      `a=mid:${section.mid}`,
      ...(section.kind === "application" ? [] : [`a=${section.direction}`]),
      ...(msid && section.kind !== "application" ? [`a=msid:${msid.stream} ${msid.track}`] : []),
      ...codec.attributes,
    );
  }
  return `${lines.join("\r\n")}\r\n`;
}
