import { spawn } from "node:child_process";
import type { Browser, Request, Response } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createServerClient } from "#client/server.ts";
import type { ChannelStatusView, PlaybackTokenData } from "#contracts/api/stream.ts";
import { ffmpegBroadcast, probeCodecs } from "#emulator/services/media/testing.ts";
import { toolPath } from "#local-engine/system-tools.ts";
import { launchChromium } from "./support/browser.ts";
import { MEDIA_CHANNELS, PREVIEW_TOKEN_TTL_SECONDS } from "./support/context.ts";
import { type Dashboard, openDashboard } from "./support/dashboard.ts";

const stack = inject("stack");
const TENANT = "globex";
const CHANNEL = MEDIA_CHANNELS.rtmps;
const tenant = stack.tenants[TENANT]!;
const liveInput = tenant.channels[CHANNEL]!;
const FFMPEG = toolPath("ffmpeg")!;
const FFPROBE = FFMPEG.replace(/ffmpeg$/, "ffprobe");

const PRIVATE = MEDIA_CHANNELS.private;
const privateInput = tenant.channels[PRIVATE]!;
const api = createServerClient({ baseUrl: stack.workerUrl, tenant: TENANT, key: tenant.apiKey });
/** With `channel`, the route answers that one channel's status. */
const statusOf = async (channel: string) => (await api.streamStatus({ channel })) as ChannelStatusView;
const status = () => statusOf(CHANNEL);

let browser: Browser;
let dashboard: Dashboard;
beforeAll(async () => {
  browser = await launchChromium({ args: ["--autoplay-policy=no-user-gesture-required"] });
  dashboard = await openDashboard(browser, stack, { tenant: TENANT });
});
afterAll(async () => {
  await browser?.close();
});

describe("going live over RTMPS with the command npm start prints", () => {
  it("connects the input by the broadcast itself, plays HLS and DASH and the dashboard preview, and disconnects when ffmpeg stops", async () => {
    const { rtmpsUrl, streamKey } = stack.ingest[liveInput]!;
    expect(rtmpsUrl).toMatch(/^rtmps:\/\/127\.0\.0\.1:\d+\/live\/$/);
    expect(stack.goLiveArgs.at(-1)).toBe(`${rtmpsUrl}${streamKey}`);
    await expect.poll(() => dashboard.indicator(CHANNEL).textContent()).toBe("Ready");

    const ffmpeg = spawn(FFMPEG, ["-hide_banner", "-loglevel", "error", ...stack.goLiveArgs], {
      stdio: "ignore",
    });
    const exited = new Promise((resolve) => ffmpeg.once("close", resolve));
    try {
      await expect.poll(async () => (await status()).connected, { timeout: 15_000 }).toBe(true);
      await expect.poll(() => dashboard.indicator(CHANNEL).textContent(), { timeout: 5_000 }).toBe("Live");

      const { playback } = await status();
      await expect.poll(async () => (await fetch(playback.hls)).status, { timeout: 15_000 }).toBe(200);
      expect(await probeCodecs(FFPROBE, playback.hls)).toEqual(["aac", "h264"]);
      const playlist = await (await fetch(playback.hls)).text();
      const segment = new URL(playlist.split("\n").find((l) => l.endsWith(".ts"))!, playback.hls).href;
      expect(await probeCodecs(FFPROBE, segment)).toEqual(["aac", "h264"]);
      await expect.poll(async () => (await fetch(playback.dash)).status, { timeout: 10_000 }).toBe(200);
      expect(await probeCodecs(FFPROBE, playback.dash)).toEqual(["aac", "h264"]);

      await expect.poll(() => dashboard.previewTime(CHANNEL), { timeout: 20_000 }).toBeGreaterThan(0);
      const preview = dashboard.card(CHANNEL).locator(".preview video");
      expect(await preview.evaluate((v: HTMLVideoElement) => v.videoWidth)).toBe(1280);
      // The preview is a viewer the delivery host counts; the card shows the count and a current frame.
      const card = dashboard.card(CHANNEL);
      await expect
        .poll(() => card.locator(".viewers").textContent(), { timeout: 25_000 })
        .toMatch(/^[1-9]\d* viewers? watching$/);
      expect((await status()).viewers).toBeGreaterThanOrEqual(1);
      await expect.poll(() => dashboard.thumbnailWidth(CHANNEL), { timeout: 25_000 }).toBe(320);
      const frame = card.locator("img.thumbnail");
      expect(await frame.evaluate((img: HTMLImageElement) => img.naturalHeight)).toBe(180);
      await dashboard.screenshot("live-preview");
    } finally {
      ffmpeg.kill("SIGINT");
      await exited;
    }
    await expect
      .poll(() => dashboard.indicator(CHANNEL).textContent(), { timeout: 10_000 })
      .toBe("Disconnected");
    expect((await status()).connected).toBe(false);
    expect(await dashboard.card(CHANNEL).locator(".preview").isHidden()).toBe(true);
    expect(await dashboard.card(CHANNEL).locator("img.thumbnail").isHidden()).toBe(true);
    expect((await fetch((await status()).playback.hls)).status).toBe(204);
  });
});

describe("the dashboard's preview of a private channel", () => {
  // Long for an e2e test: the preview has to outlive its first token, which lasts 60 s (the
  // shortest a stack may configure, PREVIEW_TOKEN_TTL_SECONDS) from when the broadcast goes live.
  it("plays the broadcast and shows its frame through a playback token, where the bare URLs are refused, and plays on across the token's renewal", async () => {
    const { rtmpsUrl, streamKey } = stack.ingest[privateInput]!;
    const card = dashboard.card(PRIVATE);
    await expect.poll(() => dashboard.indicator(PRIVATE).textContent()).toBe("Ready");
    expect(await card.locator(".hint", { hasText: "A private channel" }).isVisible()).toBe(true);

    // Longer than ffmpeg's default 120 s, so that it outlasts the first token with room to spare.
    const broadcast = ffmpegBroadcast(FFMPEG, `${rtmpsUrl}${streamKey}`, { seconds: 240 });
    const tokens: PlaybackTokenData[] = [];
    const onResponse = async (response: Response) => {
      if (new URL(response.url()).pathname !== "/api/stream/playback-token") return;
      tokens.push(((await response.json()) as { data: PlaybackTokenData }).data);
    };
    dashboard.page.on("response", onResponse);
    const frames: string[] = [];
    const onRequest = (request: Request) => {
      if (request.url().includes("/thumbnails/")) frames.push(request.url());
    };
    dashboard.page.on("request", onRequest);
    const shown = card.locator(".preview video:not([hidden])");
    const shownSrc = () => shown.evaluate((v: HTMLVideoElement) => v.currentSrc);
    try {
      await expect.poll(async () => (await statusOf(PRIVATE)).connected, { timeout: 15_000 }).toBe(true);
      const { signed, playback } = await statusOf(PRIVATE);
      expect(signed).toBe(true);
      // Stream refuses a private channel's bare URLs (docs/reference/cloudflare-api.md §11.4).
      expect((await fetch(playback.hls)).status).toBe(401);
      expect((await fetch(playback.thumbnail)).status).toBe(401);

      await expect.poll(() => dashboard.previewTime(PRIVATE), { timeout: 30_000 }).toBeGreaterThan(0);
      // It plays a token's URL: the live input id is nowhere in it.
      const src = await shownSrc();
      expect(src).toMatch(/\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\/manifest\/video\.m3u8$/);
      expect(src).not.toContain(privateInput);
      await expect.poll(() => dashboard.thumbnailWidth(PRIVATE), { timeout: 25_000 }).toBe(320);
      const first = tokens[0]!;
      expect(src).toBe(first.playback.hls);
      expect(Date.parse(first.expires_at!) - Date.now()).toBeLessThanOrEqual(
        PREVIEW_TOKEN_TTL_SECONDS * 1000,
      );

      // Ahead of the lapse the page asks for a second token, and the preview moves onto it.
      await expect.poll(() => tokens.length, { timeout: PREVIEW_TOKEN_TTL_SECONDS * 1000 }).toBe(2);
      const second = tokens[1]!;
      expect(second.token).not.toBe(first.token);
      await expect.poll(shownSrc, { timeout: 20_000 }).toBe(second.playback.hls);
      expect(await card.locator(".preview video").count()).toBe(1);
      // The first token lapses: Stream now refuses its URLs, which the preview no longer uses.
      await expect
        .poll(async () => (await fetch(first.playback.hls)).status, {
          timeout: PREVIEW_TOKEN_TTL_SECONDS * 1000,
        })
        .toBe(401);
      const before = await dashboard.previewTime(PRIVATE);
      await expect
        .poll(() => dashboard.previewTime(PRIVATE), { timeout: 15_000 })
        .toBeGreaterThan(before + 2);
      expect(await shown.evaluate((v: HTMLVideoElement) => v.paused || v.error !== null)).toBe(false);
      expect(await shownSrc()).toBe(second.playback.hls);
      // The page takes the next frame through the fresh token too, sharing it: no third token.
      await expect
        .poll(() => frames.some((url) => url.startsWith(`${second.playback.thumbnail}?`)), {
          timeout: 30_000,
        })
        .toBe(true);
      expect(tokens).toHaveLength(2);
      await dashboard.screenshot("private-preview");
    } finally {
      dashboard.page.off("response", onResponse);
      dashboard.page.off("request", onRequest);
      await broadcast.stop();
    }
    await expect
      .poll(() => dashboard.indicator(PRIVATE).textContent(), { timeout: 10_000 })
      .toBe("Disconnected");
    expect(await card.locator(".preview").isHidden()).toBe(true);
  }, 180_000);
});

describe("signing out of the dashboard while a preview plays", () => {
  it("stops the preview and the cards: nothing of the signed-out session plays on", async () => {
    const own = await openDashboard(browser, stack, { tenant: TENANT });
    const { rtmpsUrl, streamKey } = stack.ingest[liveInput]!;
    const broadcast = ffmpegBroadcast(FFMPEG, `${rtmpsUrl}${streamKey}`, { seconds: 120 });
    try {
      await expect.poll(() => own.previewTime(CHANNEL), { timeout: 30_000 }).toBeGreaterThan(0);
      await own.page.getByRole("button", { name: "Sign out" }).click();
      await own.page.getByLabel("Tenant API key").waitFor();
      // Before, the cards stayed in the hidden page: the preview played on, renewing its tokens
      // with the signed-out session's token until that lapsed, then asking every 2 s for good.
      expect(await own.page.locator("video").count()).toBe(0);
      expect(await own.page.locator("article.card").count()).toBe(0);
    } finally {
      await broadcast.stop();
      await own.context.close();
    }
  }, 90_000);
});
