import { describe, expect, it } from "vitest";
import { RTCRtpCodecParameters, RTCRtpHeaderExtensionParameters, type RTCRtpTransceiver } from "werift";
import { codecFor, headerExtensionsFor } from "./codecs.ts";

/** What `codecFor` and `headerExtensionsFor` read of a connection's transceivers. */
const connection = (
  sections: { codecs: [string, number, string?][]; extensions?: [number, string][] }[],
): RTCRtpTransceiver[] =>
  sections.map(
    ({ codecs, extensions = [] }) =>
      ({
        codecs: codecs.map(
          ([mimeType, payloadType, parameters]) =>
            new RTCRtpCodecParameters({
              mimeType,
              clockRate: 90_000,
              payloadType,
              ...(parameters ? { parameters } : {}),
            }),
        ),
        headerExtensions: extensions.map(([id, uri]) => new RTCRtpHeaderExtensionParameters({ id, uri })),
      }) as unknown as RTCRtpTransceiver,
  );

const vp8 = (payloadType: number) =>
  new RTCRtpCodecParameters({ mimeType: "video/VP8", clockRate: 90_000, payloadType });
const MID = "urn:ietf:params:rtp-hdrext:sdes:mid";
const TWCC = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";

describe("a codec offered on another connection", () => {
  it("takes the payload type that connection already gives the same codec", () => {
    const on = connection([
      {
        codecs: [
          ["video/H264", 100, "packetization-mode=1"],
          ["video/VP8", 120],
        ],
      },
    ]);
    expect(codecFor(vp8(96), on).payloadType).toBe(120);
  });

  it("keeps its own payload type when it is free, and takes a free one when another codec has it", () => {
    expect(codecFor(vp8(96), connection([{ codecs: [["video/H264", 102]] }])).payloadType).toBe(96);
    const taken = connection([
      {
        codecs: [
          ["video/H264", 96, "packetization-mode=1"],
          ["video/VP9", 97],
        ],
      },
    ]);
    expect(codecFor(vp8(96), taken).payloadType).toBe(98);
  });

  it("tells H.264 profiles apart by their parameters", () => {
    const on = connection([{ codecs: [["video/H264", 102, "profile-level-id=42001f"]] }]);
    const other = new RTCRtpCodecParameters({
      mimeType: "video/H264",
      clockRate: 90_000,
      payloadType: 102,
      parameters: "profile-level-id=42e01f",
    });
    expect(codecFor(other, on).payloadType).toBe(96);
  });
});

describe("the header extensions of a new section", () => {
  it("keep the ids the BUNDLE group already gives their URIs, and take free ones for the rest", () => {
    // As a browser's own offer numbers them.
    const browser = connection([
      {
        codecs: [],
        extensions: [
          [4, TWCC],
          [9, MID],
        ],
      },
    ]);
    expect(headerExtensionsFor("video", browser).map((e) => [e.id, e.uri])).toEqual([
      [9, MID],
      [4, TWCC],
    ]);
    const other = connection([
      {
        codecs: [],
        extensions: [
          [1, "urn:ietf:params:rtp-hdrext:toffset"],
          [2, TWCC],
        ],
      },
    ]);
    expect(headerExtensionsFor("audio", other).map((e) => [e.id, e.uri])).toEqual([
      [3, MID],
      [2, TWCC],
    ]);
  });
});
