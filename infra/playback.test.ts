import { describe, expect, it } from "vitest";
import { playbackBase, playbackUrls } from "./playback.ts";

const uid = "0123456789abcdef0123456789abcdef";

describe("playback", () => {
  it("reads the delivery host from a live input's WHEP URL", () => {
    expect(playbackBase(`https://customer-abc123.cloudflarestream.com/${uid}/webRTC/play`, uid)).toBe(
      "https://customer-abc123.cloudflarestream.com",
    );
  });

  it("keeps a path prefix, as the local emulator serves Stream under one", () => {
    expect(playbackBase(`http://127.0.0.1:8787/stream/${uid}/webRTC/play`, uid)).toBe(
      "http://127.0.0.1:8787/stream",
    );
  });

  it("refuses a URL that is not this input's WHEP playback URL", () => {
    expect(() => playbackBase(`https://customer-abc123.cloudflarestream.com/other/webRTC/play`, uid)).toThrow(
      `live input ${uid}: WHEP playback URL does not end in /${uid}/webRTC/play`,
    );
  });

  it("builds HLS, DASH and WHEP URLs from the base", () => {
    expect(playbackUrls("https://customer-abc123.cloudflarestream.com", uid)).toEqual({
      hls: `https://customer-abc123.cloudflarestream.com/${uid}/manifest/video.m3u8`,
      dash: `https://customer-abc123.cloudflarestream.com/${uid}/manifest/video.mpd`,
      whep: `https://customer-abc123.cloudflarestream.com/${uid}/webRTC/play`,
    });
  });
});
