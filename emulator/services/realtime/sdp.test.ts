import { describe, expect, it } from "vitest";
import { parseMediaSections, SdpError } from "./sdp.ts";
import { BROWSER_OFFER } from "./testing.ts";

describe("SDP", () => {
  it("reads the media sections of a browser offer", () => {
    expect(parseMediaSections(BROWSER_OFFER)).toEqual([
      { mid: "0", kind: "audio", direction: "sendonly" },
      { mid: "1", kind: "video", direction: "sendonly" },
      { mid: "2", kind: "application", direction: "sendrecv" },
    ]);
  });

  it("takes a session-level direction as the default of its sections", () => {
    const sdp = "v=0\no=- 1 1 IN IP4 0.0.0.0\ns=-\nt=0 0\na=recvonly\nm=audio 9 RTP/AVP 0\na=mid:a\n";
    expect(parseMediaSections(sdp)).toEqual([{ mid: "a", kind: "audio", direction: "recvonly" }]);
  });

  it.each([
    ["no v=0 first", BROWSER_OFFER.replace("v=0\r\n", "")],
    ["no o= line", BROWSER_OFFER.replace(/o=.*\r\n/, "")],
    ["no t= line", BROWSER_OFFER.replace("t=0 0\r\n", "")],
    ["no media", "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"],
    ["a section without mid", BROWSER_OFFER.replace("a=mid:1\r\n", "")],
    ["a repeated mid", BROWSER_OFFER.replace("a=mid:1", "a=mid:0")],
    ["an unknown media type", BROWSER_OFFER.replace("m=video", "m=text")],
    ["a line that is not SDP", BROWSER_OFFER.replace("a=mid:2", "hello")],
    ["not SDP at all", '{"sdp":"v=0"}'],
  ])("refuses %s", (_, sdp) => {
    expect(() => parseMediaSections(sdp)).toThrow(SdpError);
  });
});
