import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import type { E2eStack } from "./context.ts";

/** Git-ignored; CI keeps it as an artifact. */
export const SCREENSHOTS = fileURLToPath(new URL("../../../artifacts/screenshots/", import.meta.url));

export interface Dashboard {
  context: BrowserContext;
  page: Page;
  card(channel: string): Locator;
  indicator(channel: string): Locator;
  feed(channel: string): Locator;
  /**
   * How far the channel's preview has played, in seconds (0 while there is none): the one shown,
   * not one that loads out of sight to take over on a fresh playback token.
   */
  previewTime(channel: string): Promise<number>;
  /** The width of the channel's current frame as shown (0 while there is none). */
  thumbnailWidth(channel: string): Promise<number>;
  screenshot(name: string): Promise<void>;
}

/**
 * A browser context with the dashboard open and signed in the way an operator does it: the
 * tenant id from the URL the local stack prints, the key pasted into the form.
 */
export async function openDashboard(
  browser: Browser,
  stack: E2eStack,
  options: { tenant?: string; origin?: string; fakeClock?: boolean } = {},
): Promise<Dashboard> {
  const tenant = options.tenant ?? "acme";
  const origin = options.origin ?? stack.workerUrl;
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin });
  const page = await context.newPage();
  // The page's timers (polls, backoff, token refresh) then run only when the test says so.
  if (options.fakeClock) await page.clock.install();
  await page.goto(`${origin}/?tenant=${tenant}`);
  await page.getByLabel("Tenant API key").fill(stack.tenants[tenant]!.apiKey);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator("article.card").first().waitFor();
  const card = (channel: string) => page.locator(`article[data-channel="${channel}"]`);
  return {
    context,
    page,
    card,
    indicator: (channel) => card(channel).locator(".indicator"),
    feed: (channel) => card(channel).locator(".feed"),
    previewTime: (channel) =>
      card(channel)
        .locator(".preview video:not([hidden])")
        .evaluate((v: HTMLVideoElement) => v.currentTime)
        .catch(() => 0),
    thumbnailWidth: (channel) =>
      card(channel)
        .locator("img.thumbnail")
        .evaluate((img: HTMLImageElement) => img.naturalWidth)
        .catch(() => 0),
    screenshot: async (name) => {
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: `${SCREENSHOTS}dashboard-${name}.png`, fullPage: true });
    },
  };
}
