import {
  type PeerConfig,
  RTCRtpCodecParameters,
  RTCRtpHeaderExtensionParameters,
  type RTCRtpTransceiver,
  useH264,
  useNACK,
  useOPUS,
  usePLI,
  useSdesMid,
  useTransportWideCC,
  useTWCC,
  useVP8,
  useVP9,
} from "werift";

/**
 * The codecs Cloudflare's Realtime SFU and Stream's WebRTC ingest take (docs/reference/
 * media-and-providers.md §3): H.264, H.265, VP8, VP9, AV1; Opus, G.711. werift negotiates a
 * remote codec when its MIME type is listed here and keeps the remote's payload type, parameters
 * and feedback, so this is a filter: the media plane forwards payloads as they come and never
 * decodes them.
 */
const VIDEO = ["video/VP8", "video/VP9", "video/H264", "video/H265", "video/AV1"];
const AUDIO = [
  { mimeType: "audio/opus", clockRate: 48_000, channels: 2 },
  { mimeType: "audio/PCMU", clockRate: 8_000, channels: 1, payloadType: 0 },
  { mimeType: "audio/PCMA", clockRate: 8_000, channels: 1, payloadType: 8 },
];

/** Fresh parameter objects for one peer connection: werift numbers the payload types in place. */
export function acceptedCodecs(): { audio: RTCRtpCodecParameters[]; video: RTCRtpCodecParameters[] } {
  return {
    audio: AUDIO.map((codec) => new RTCRtpCodecParameters(codec)),
    video: VIDEO.map(
      (mimeType) =>
        new RTCRtpCodecParameters({ mimeType, clockRate: 90_000, rtcpFeedback: feedback("video") }),
    ),
  };
}

/** Loss recovery and keyframe requests for video; congestion feedback for both. */
const feedback = (kind: "audio" | "video") =>
  kind === "video" ? [useNACK(), usePLI(), useTWCC()] : [useTWCC()];

/**
 * RTP header extensions the media plane negotiates: the mid, so that packets find their
 * transceiver without `a=ssrc`, and transport-wide sequence numbers, so that a browser's
 * bandwidth estimate gets the feedback it expects.
 */
export function acceptedHeaderExtensions(): {
  audio: RTCRtpHeaderExtensionParameters[];
  video: RTCRtpHeaderExtensionParameters[];
} {
  return {
    audio: [useSdesMid(), useTransportWideCC()],
    video: [useSdesMid(), useTransportWideCC()],
  };
}

/**
 * werift keeps the feedback a remote offered with each codec; `transport-cc` without the header
 * extension that carries its sequence numbers would have its receiver report nothing useful.
 */
export function dropUnusableFeedback(transceiver: RTCRtpTransceiver): void {
  const twcc = useTransportWideCC().uri;
  if (transceiver.headerExtensions.some((e) => e.uri === twcc)) return;
  for (const codec of transceiver.codecs)
    codec.rtcpFeedback = codec.rtcpFeedback.filter((f) => f.type !== useTWCC().type);
}

/** What makes two codecs the same one in a BUNDLE group, whatever payload type each side gave it. */
const codecKey = (codec: RTCRtpCodecParameters) =>
  [codec.mimeType.toLowerCase(), codec.clockRate, codec.channels ?? "", codec.parameters ?? ""].join("|");

const DYNAMIC_PAYLOAD_TYPES = [
  ...Array.from({ length: 32 }, (_, i) => 96 + i),
  ...Array.from({ length: 29 }, (_, i) => 35 + i),
];

/**
 * `codec` as it can be offered on another connection: with the payload type that connection
 * already uses for it, else its own one when free, else a free dynamic one. A BUNDLE group must
 * not give one payload type to two codecs, and a connection carries tracks of many publishers.
 */
export function codecFor(
  codec: RTCRtpCodecParameters,
  transceivers: readonly RTCRtpTransceiver[],
): RTCRtpCodecParameters {
  const taken = new Map<number, string>();
  for (const t of transceivers) for (const c of t.codecs) taken.set(c.payloadType, codecKey(c));
  const key = codecKey(codec);
  const payloadType =
    [...taken].find(([, k]) => k === key)?.[0] ??
    (taken.has(codec.payloadType) ? DYNAMIC_PAYLOAD_TYPES.find((pt) => !taken.has(pt)) : codec.payloadType);
  if (payloadType === undefined) throw new Error("no free RTP payload type left on this connection");
  return new RTCRtpCodecParameters({
    mimeType: codec.mimeType,
    clockRate: codec.clockRate,
    ...(codec.channels === undefined ? {} : { channels: codec.channels }),
    ...(codec.parameters === undefined ? {} : { parameters: codec.parameters }),
    rtcpFeedback: feedback(codec.mimeType.toLowerCase().startsWith("video/") ? "video" : "audio"),
    payloadType,
  });
}

/**
 * The header extensions to offer on a new section of a connection: with the ids the connection
 * already gives their URIs, else free ones. A BUNDLE group demultiplexes with one map of ids, so
 * a section must not give an id another meaning (RFC 8843 §9.2).
 */
export function headerExtensionsFor(
  kind: "audio" | "video",
  transceivers: readonly RTCRtpTransceiver[],
): RTCRtpHeaderExtensionParameters[] {
  const taken = new Map<number, string>();
  for (const t of transceivers) for (const e of t.headerExtensions) taken.set(e.id, e.uri);
  return acceptedHeaderExtensions()[kind].map(({ uri }) => {
    let id = [...taken].find(([, u]) => u === uri)?.[0];
    if (id === undefined) {
      id = Array.from({ length: 14 }, (_, i) => i + 1).find((n) => !taken.has(n));
      if (id === undefined) throw new Error("no free RTP header extension id left on this connection");
      taken.set(id, uri);
    }
    return new RTCRtpHeaderExtensionParameters({ id, uri });
  });
}

/**
 * Cloudflare Stream's WebRTC codecs (docs/reference/media-and-providers.md §2), narrower than the
 * SFU's: VP8, VP9, H.264 constrained baseline 42e01f; Opus. Fresh objects for each connection, as
 * werift numbers payload types in place.
 */
export const streamWebrtcCodecs = (): NonNullable<PeerConfig["codecs"]> => ({
  video: [useVP8(), useVP9(), useH264()],
  audio: [useOPUS()],
});
