import type { Browser } from "playwright-core";
import { afterAll, describe, expect, inject, it } from "vitest";
import { createServerClient } from "#client/server.ts";
import { EmulatorAdmin } from "#emulator/admin-client.ts";
import { launchChromium } from "./support/browser.ts";
import { openDashboard } from "./support/dashboard.ts";
import { controlWorker } from "./support/worker-control.ts";
import "./support/context.ts";

const stack = inject("stack");
const admin = new EmulatorAdmin(stack.emulatorUrl, stack.adminToken);
/** A channel no other file changes, so that what this file sees is its own doing. */
const CHANNEL = "backstage";
const liveInput = stack.tenants.acme!.channels[CHANNEL]!;
const acme = createServerClient({
  baseUrl: stack.workerUrl,
  tenant: "acme",
  key: stack.tenants.acme!.apiKey,
});
/** The client's backoff while the Worker is down (1, 2, 4, 8, 15 s, jittered) and the new runner's start. */
const BACK_WITHIN_MS = 45_000;

/** An event id is `<epoch>.<seq>`; the epoch is made once per channel status log, kept in its object's storage. */
const epochOf = (eventId: string) => eventId.split(".")[0];

/** The id of the first event the channel's status stream sends now. */
async function currentEventId(): Promise<string> {
  const stream = await acme.streamEvents({ channel: CHANNEL });
  try {
    for await (const message of stream) if (message.type === "event" && message.id) return message.id;
  } finally {
    stream.close();
  }
  throw new Error("the status stream ended before its first event");
}

let browser: Browser | undefined;
// The channel goes back to no status whatever the test got to, for whoever watches it next.
afterAll(() => Promise.all([admin.setLiveInputState(liveInput, null), browser?.close()]));

describe("a page's watchChannels across a restart of the Worker", () => {
  it("shows its updates paused while the Worker is down, then the change made meanwhile, without a reload", async () => {
    await admin.setLiveInputState(liveInput, "disconnected");
    browser = await launchChromium();
    const dashboard = await openDashboard(browser, stack);
    try {
      const { page } = dashboard;
      const reloads: string[] = [];
      page.on("load", () => reloads.push(page.url()));
      // What each of the page's requests for this channel's stream resumes from.
      const resumedFrom: string[] = [];
      page.on("request", (request) => {
        const url = new URL(request.url());
        if (url.pathname !== "/api/stream/events" || url.searchParams.get("channel") !== CHANNEL) return;
        const lastEventId = request.headers()["last-event-id"];
        if (lastEventId) resumedFrom.push(lastEventId);
      });
      await expect.poll(() => dashboard.feed(CHANNEL).textContent()).toBe("Live updates");
      await expect.poll(() => dashboard.indicator(CHANNEL).textContent()).toBe("Disconnected");
      const before = await currentEventId();

      await controlWorker(stack, "stop");
      try {
        await expect.poll(() => dashboard.feed(CHANNEL).textContent()).toMatch(/^Reconnecting/);
        // The client drops the status it can no longer vouch for, and the page says why.
        await expect.poll(() => dashboard.indicator(CHANNEL).textContent()).toBe("Error");
        expect(await dashboard.card(CHANNEL).locator(".detail").textContent()).toMatch(
          /^Status unavailable: cannot reach /,
        );
        await dashboard.screenshot("worker-down");
        // The broadcaster connects while the Worker is down: its notification finds nobody.
        await admin.setLiveInputState(liveInput, "connected");
      } finally {
        await controlWorker(stack, "start");
      }

      await expect
        .poll(() => dashboard.indicator(CHANNEL).textContent(), { timeout: BACK_WITHIN_MS })
        .toBe("Live");
      await expect.poll(() => dashboard.feed(CHANNEL).textContent()).toBe("Live updates");
      expect(reloads).toEqual([]);
      // The stream resumed from the last event the page had, in the status log the object kept
      // across the restart: the page got the change it missed, not a new log's first event.
      expect(resumedFrom[0]).toBe(before);
      const after = await currentEventId();
      expect(epochOf(after)).toBe(epochOf(before));
      expect(Number(after.split(".")[1])).toBeGreaterThan(Number(before.split(".")[1]));
    } finally {
      await dashboard.context.close();
    }
  }, 90_000);
});
