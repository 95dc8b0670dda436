/**
 * Just enough SDP (RFC 8866, JSEP RFC 8829) to check a client's description at the edge and read
 * its media sections, which `tracks/new` refers to by mid. The media plane (werift) negotiates.
 */

export type MediaKind = "audio" | "video" | "application";
export type Direction = "sendrecv" | "sendonly" | "recvonly" | "inactive";

export interface MediaSection {
  mid: string;
  kind: MediaKind;
  /** As seen from the side that wrote the description. */
  direction: Direction;
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
