import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createServerClient } from "#client/server.ts";
import type { ChannelStatusView } from "#contracts/api/stream.ts";
import { launchChromium } from "./support/browser.ts";
import { MEDIA_CHANNELS } from "./support/context.ts";
import { openDashboard } from "./support/dashboard.ts";
import { framesDecoded, playWhep, publishWhip } from "./support/webrtc-stream.ts";

const stack = inject("stack");
const TENANT = "globex";
const CHANNEL = MEDIA_CHANNELS.whip;
const tenant = stack.tenants[TENANT]!;

const api = createServerClient({ baseUrl: stack.workerUrl, tenant: TENANT, key: tenant.apiKey });
/** With `channel`, the route answers that one channel's status. */
const status = async () => (await api.streamStatus({ channel: CHANNEL })) as ChannelStatusView;

let browser: Browser;
let publisher: Page;
let viewer: Page;
beforeAll(async () => {
  browser = await launchChromium({ media: true });
  publisher = await (await browser.newContext()).newPage();
  viewer = await (await browser.newContext()).newPage();
  // A page on a loopback origin is a secure context: getUserMedia and WebRTC work there.
  await publisher.goto(`${stack.workerUrl}/healthz`);
  await viewer.goto(`${stack.workerUrl}/healthz`);
});
afterAll(async () => {
  await browser?.close();
});

describe("WebRTC ingest and playback", () => {
  it("connects the input when Chromium publishes over WHIP, and a second page decodes it over WHEP, counted as a viewer", async () => {
    const { ingest } = await api.streamConnect({ channel: CHANNEL });
    const session = await publishWhip(publisher, ingest.whip.url);
    expect(session).toMatch(/\/webRTC\/publish\/[0-9a-f]{32}$/);
    await expect.poll(async () => (await status()).connected, { timeout: 15_000 }).toBe(true);

    const { playback } = await status();
    // A WHIP broadcast plays over WHEP only, as on Cloudflare.
    const hls = await fetch(playback.hls);
    expect(hls.status).toBe(204);
    await playWhep(viewer, playback.whep);
    await expect.poll(() => framesDecoded(viewer), { timeout: 20_000 }).toBeGreaterThan(0);
    // An open WHEP session is a viewer (emulator/services/media/playback/audience.ts; Cloudflare's
    // WebRTC beta counts none, a divergence docs/worker-api.md states). The status holder reads the
    // count with each refresh, so within one refresh interval and a tick.
    await expect.poll(async () => (await status()).viewers, { timeout: 25_000 }).toBe(1);

    // The dashboard's preview of a WHIP broadcast plays over WHEP too.
    const dashboard = await openDashboard(browser, stack, { tenant: TENANT });
    const preview = dashboard.card(CHANNEL).locator('.preview video[aria-label="WebRTC preview"]');
    await expect
      .poll(() => preview.evaluate((v: HTMLVideoElement) => v.videoWidth).catch(() => 0), { timeout: 20_000 })
      .toBe(640);
    // The dashboard's preview is a second WHEP session, and its card shows both.
    await expect
      .poll(() => dashboard.card(CHANNEL).locator(".viewers").textContent(), { timeout: 25_000 })
      .toBe("2 viewers watching");
    await dashboard.screenshot("live-webrtc-preview");
    await dashboard.context.close();

    expect((await fetch(session, { method: "DELETE" })).status).toBe(200);
    await expect.poll(async () => (await status()).connected, { timeout: 10_000 }).toBe(false);
  });
});
