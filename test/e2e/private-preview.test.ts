import { spawn } from "node:child_process";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createServerClient } from "#client/server.ts";
import type { ChannelStatusView } from "#contracts/api/stream.ts";
import { toolPath } from "#local-engine/system-tools.ts";
import { launchChromium } from "./support/browser.ts";
import { MEDIA_CHANNELS } from "./support/context.ts";
import { type Dashboard, openDashboard } from "./support/dashboard.ts";

const stack = inject("stack");
const TENANT = "globex";
const CHANNEL = MEDIA_CHANNELS.private;
const tenant = stack.tenants[TENANT]!;
const liveInput = tenant.channels[CHANNEL]!;
const FFMPEG = toolPath("ffmpeg")!;
const api = createServerClient({ baseUrl: stack.workerUrl, tenant: TENANT, key: tenant.apiKey });
/** With `channel`, the route answers that one channel's status. */
const status = async () => (await api.streamStatus({ channel: CHANNEL })) as ChannelStatusView;

let browser: Browser;
let dashboard: Dashboard;
beforeAll(async () => {
  browser = await launchChromium({ args: ["--autoplay-policy=no-user-gesture-required"] });
  dashboard = await openDashboard(browser, stack, { tenant: TENANT });
});
afterAll(async () => {
  await browser?.close();
});

describe("the dashboard's preview of a private channel", () => {
  it("plays the broadcast and shows its frame through a playback token, where the bare URLs are refused", async () => {
    const { rtmpsUrl, streamKey } = stack.ingest[liveInput]!;
    const card = dashboard.card(CHANNEL);
    await expect.poll(() => dashboard.indicator(CHANNEL).textContent()).toBe("Ready");
    expect(await card.locator(".hint", { hasText: "A private channel" }).isVisible()).toBe(true);

    // The command npm start prints for a channel, aimed at this one's ingest.
    const args = [...stack.goLiveArgs.slice(0, -1), `${rtmpsUrl}${streamKey}`];
    const ffmpeg = spawn(FFMPEG, ["-hide_banner", "-loglevel", "error", ...args], { stdio: "ignore" });
    const exited = new Promise((resolve) => ffmpeg.once("close", resolve));
    const tokens: string[] = [];
    dashboard.page.on("request", (request) => {
      if (new URL(request.url()).pathname === "/api/stream/playback-token") tokens.push(request.url());
    });
    try {
      await expect
        .poll(async () => (await api.streamStatus({ channel: CHANNEL })).connected, { timeout: 15_000 })
        .toBe(true);
      const { signed, playback } = await status();
      expect(signed).toBe(true);
      // Stream refuses a private channel's bare URLs (docs/reference/cloudflare-api.md §11.4).
      expect((await fetch(playback.hls)).status).toBe(401);
      expect((await fetch(playback.thumbnail)).status).toBe(401);

      const preview = card.locator(".preview video");
      await expect
        .poll(() => preview.evaluate((v: HTMLVideoElement) => v.currentTime).catch(() => 0), {
          timeout: 30_000,
        })
        .toBeGreaterThan(0);
      expect(await preview.evaluate((v: HTMLVideoElement) => v.videoWidth)).toBe(1280);
      // It plays a token's URL: the live input id is nowhere in it.
      const src = await preview.evaluate((v: HTMLVideoElement) => v.currentSrc);
      expect(src).toMatch(/\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\/manifest\/video\.m3u8$/);
      expect(src).not.toContain(liveInput);

      const frame = card.locator("img.thumbnail");
      await expect
        .poll(() => frame.evaluate((img: HTMLImageElement) => img.naturalWidth).catch(() => 0), {
          timeout: 25_000,
        })
        .toBe(320);
      // The preview and each thumbnail share one token while it is good.
      expect(tokens).toHaveLength(1);
      await dashboard.screenshot("private-preview");
    } finally {
      ffmpeg.kill("SIGINT");
      await exited;
    }
    await expect
      .poll(() => dashboard.indicator(CHANNEL).textContent(), { timeout: 10_000 })
      .toBe("Disconnected");
    expect(await card.locator(".preview").isHidden()).toBe(true);
  });
});
