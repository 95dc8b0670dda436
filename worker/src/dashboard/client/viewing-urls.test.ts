import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ChannelStatusView, PlaybackTokenData } from "#contracts/api/stream.ts";
import { renewalOf, ViewingUrls } from "./viewing-urls.ts";

const HOUR = 3_600_000;
const urlsFor = (id: string) => ({
  hls: `https://customer-x.example/${id}/manifest/video.m3u8`,
  dash: `https://customer-x.example/${id}/manifest/video.mpd`,
  whep: `https://customer-x.example/${id}/webRTC/play`,
  thumbnail: `https://customer-x.example/${id}/thumbnails/thumbnail.jpg`,
});
const statusOf = (signed: boolean) => ({ signed, playback: urlsFor("input") }) as ChannelStatusView;

/** The Worker's route as the page sees it: token n lives `lifeMs` from when it is asked for. */
function fakeRoute(lifeMs: number) {
  let n = 0;
  const streamPlaybackToken = vi.fn(async ({ channel }: { channel: string }): Promise<PlaybackTokenData> => {
    n += 1;
    return {
      channel,
      live_input_id: "input",
      signed: true,
      token: `token-${n}`,
      expires_at: new Date(Date.now() + lifeMs).toISOString(),
      playback: urlsFor(`token-${n}`),
    };
  });
  return { streamPlaybackToken };
}

describe("renewalOf", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  const at = (ms: number) => new Date(now + ms).toISOString();

  it("renews an hour's token a minute before it lapses", () => {
    expect(renewalOf(at(HOUR), now)).toBe(now + HOUR - 60_000);
  });

  it("renews a token of the shortest lifetime a stack allows (60 s) after three quarters of it", () => {
    expect(renewalOf(at(60_000), now)).toBe(now + 45_000);
  });

  it("holds a token that looks lapsed (a browser clock ahead of the Worker's) for 10 s, not for no time", () => {
    expect(renewalOf(at(-5_000), now)).toBe(now + 10_000);
  });

  it("never renews a public channel's URLs, which carry no token", () => {
    expect(renewalOf(null, now)).toBeUndefined();
  });
});

describe("ViewingUrls", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.parse("2026-01-01T00:00:00Z"));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("gives a public channel's URLs from its status, asking for no token", async () => {
    const route = fakeRoute(HOUR);
    const urls = new ViewingUrls("main", route);
    expect(await urls.of(statusOf(false))).toEqual({ playback: urlsFor("input"), renewAt: undefined });
    expect(route.streamPlaybackToken).not.toHaveBeenCalled();
  });

  it("shares one token between callers until its renewal time, then asks for one fresh token", async () => {
    const route = fakeRoute(60_000);
    const urls = new ViewingUrls("main", route);
    // The preview and the thumbnail ask at once: one call.
    const [preview, thumbnail] = await Promise.all([urls.of(statusOf(true)), urls.of(statusOf(true))]);
    expect(route.streamPlaybackToken).toHaveBeenCalledTimes(1);
    expect(route.streamPlaybackToken).toHaveBeenCalledWith({ channel: "main" });
    expect(preview).toBe(thumbnail);
    expect(preview.playback.hls).toContain("/token-1/");
    expect(preview.renewAt).toBe(Date.now() + 45_000);

    vi.advanceTimersByTime(44_999);
    expect((await urls.of(statusOf(true))).playback.hls).toContain("/token-1/");
    expect(route.streamPlaybackToken).toHaveBeenCalledTimes(1);

    vi.advanceTimersByTime(1);
    const renewed = await Promise.all([urls.of(statusOf(true)), urls.of(statusOf(true))]);
    expect(route.streamPlaybackToken).toHaveBeenCalledTimes(2);
    expect(renewed.map((v) => v.playback.thumbnail)).toEqual([
      urlsFor("token-2").thumbnail,
      urlsFor("token-2").thumbnail,
    ]);
    expect(renewed[0]!.renewAt).toBe(Date.now() + 45_000);
  });

  it("asks again after a refusal rather than keeping it", async () => {
    const route = fakeRoute(HOUR);
    route.streamPlaybackToken.mockRejectedValueOnce(new Error("rate limited"));
    const urls = new ViewingUrls("main", route);
    await expect(urls.of(statusOf(true))).rejects.toThrow("rate limited");
    expect((await urls.of(statusOf(true))).playback.hls).toContain("/token-1/");
    expect(route.streamPlaybackToken).toHaveBeenCalledTimes(2);
  });
});
