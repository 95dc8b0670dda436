import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createServerClient } from "#client/server.ts";
import type { ChannelStatusView } from "#contracts/api/stream.ts";
import { ffmpegBroadcast } from "#emulator/services/media/testing.ts";
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

    const broadcast = ffmpegBroadcast(FFMPEG, `${rtmpsUrl}${streamKey}`);
    const tokens: string[] = [];
    dashboard.page.on("request", (request) => {
      if (new URL(request.url()).pathname === "/api/stream/playback-token") tokens.push(request.url());
    });
    try {
      await expect.poll(async () => (await status()).connected, { timeout: 15_000 }).toBe(true);
      const { signed, playback } = await status();
      expect(signed).toBe(true);
      // Stream refuses a private channel's bare URLs (docs/reference/cloudflare-api.md §11.4).
      expect((await fetch(playback.hls)).status).toBe(401);
      expect((await fetch(playback.thumbnail)).status).toBe(401);

      await expect.poll(() => dashboard.previewTime(CHANNEL), { timeout: 30_000 }).toBeGreaterThan(0);
      // It plays a token's URL: the live input id is nowhere in it.
      const src = await card.locator(".preview video").evaluate((v: HTMLVideoElement) => v.currentSrc);
      expect(src).toMatch(/\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\/manifest\/video\.m3u8$/);
      expect(src).not.toContain(liveInput);

      await expect.poll(() => dashboard.thumbnailWidth(CHANNEL), { timeout: 25_000 }).toBe(320);
      // The preview and each thumbnail share one token while it is good.
      expect(tokens).toHaveLength(1);
      await dashboard.screenshot("private-preview");
    } finally {
      await broadcast.stop();
    }
    await expect
      .poll(() => dashboard.indicator(CHANNEL).textContent(), { timeout: 10_000 })
      .toBe("Disconnected");
    expect(await card.locator(".preview").isHidden()).toBe(true);
  });
});
