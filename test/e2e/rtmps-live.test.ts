import { spawn } from "node:child_process";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createServerClient } from "#client/server.ts";
import type { ChannelStatusView } from "#contracts/api/stream.ts";
import { ffmpegBroadcast, probeCodecs } from "#emulator/services/media/testing.ts";
import { toolPath } from "#local-engine/system-tools.ts";
import { launchChromium } from "./support/browser.ts";
import { MEDIA_CHANNELS } from "./support/context.ts";
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
  it("plays the broadcast and shows its frame through a playback token, where the bare URLs are refused", async () => {
    const { rtmpsUrl, streamKey } = stack.ingest[privateInput]!;
    const card = dashboard.card(PRIVATE);
    await expect.poll(() => dashboard.indicator(PRIVATE).textContent()).toBe("Ready");
    expect(await card.locator(".hint", { hasText: "A private channel" }).isVisible()).toBe(true);

    const broadcast = ffmpegBroadcast(FFMPEG, `${rtmpsUrl}${streamKey}`);
    const tokens: string[] = [];
    dashboard.page.on("request", (request) => {
      if (new URL(request.url()).pathname === "/api/stream/playback-token") tokens.push(request.url());
    });
    try {
      await expect.poll(async () => (await statusOf(PRIVATE)).connected, { timeout: 15_000 }).toBe(true);
      const { signed, playback } = await statusOf(PRIVATE);
      expect(signed).toBe(true);
      // Stream refuses a private channel's bare URLs (docs/reference/cloudflare-api.md §11.4).
      expect((await fetch(playback.hls)).status).toBe(401);
      expect((await fetch(playback.thumbnail)).status).toBe(401);

      await expect.poll(() => dashboard.previewTime(PRIVATE), { timeout: 30_000 }).toBeGreaterThan(0);
      // It plays a token's URL: the live input id is nowhere in it.
      const src = await card.locator(".preview video").evaluate((v: HTMLVideoElement) => v.currentSrc);
      expect(src).toMatch(/\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\/manifest\/video\.m3u8$/);
      expect(src).not.toContain(privateInput);

      await expect.poll(() => dashboard.thumbnailWidth(PRIVATE), { timeout: 25_000 }).toBe(320);
      // The preview and each thumbnail share one token while it is good.
      expect(tokens).toHaveLength(1);
      await dashboard.screenshot("private-preview");
    } finally {
      await broadcast.stop();
    }
    await expect
      .poll(() => dashboard.indicator(PRIVATE).textContent(), { timeout: 10_000 })
      .toBe("Disconnected");
    expect(await card.locator(".preview").isHidden()).toBe(true);
  });
});
