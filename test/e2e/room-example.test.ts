import type { Server } from "node:http";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startRoomExample } from "#examples/room/backend.ts";
import { launchChromium } from "./support/browser.ts";
import "./support/context.ts";

const stack = inject("stack");
const TENANT = "acme";

let browser: Browser;
let example: { url: string; server: Server };
beforeAll(async () => {
  browser = await launchChromium({ media: true });
  // Port 5173: http://localhost:5173 is in acme's allowedOrigins (Pulumi.dev.yaml), as the page calls the Worker cross-origin.
  example = await startRoomExample({
    workerUrl: stack.workerUrl,
    tenant: TENANT,
    key: stack.tenants[TENANT]!.apiKey,
    port: 5173,
  });
});
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => example?.server.close(resolve));
});

/** Frames decoded from `user`'s camera by the page's `<video>` for them. */
const framesFrom = (page: Page, user: string) =>
  page.evaluate(
    (u) =>
      document.querySelector<HTMLVideoElement>(`video[data-user="${u}"]`)?.getVideoPlaybackQuality()
        .totalVideoFrames ?? 0,
    user,
  );

describe("the room example (examples/room)", () => {
  it("serves a page that joins with the grant its backend mints, and two pages see each other", async () => {
    const pages: Record<string, Page> = {};
    for (const user of ["ada", "bob"]) {
      pages[user] = await (await browser.newContext()).newPage();
      await pages[user].goto(`${example.url}/?room=e2e-example&user=${user}`);
    }
    for (const [user, other] of [
      ["ada", "bob"],
      ["bob", "ada"],
    ] as const) {
      await expect.poll(() => framesFrom(pages[user]!, other), { timeout: 30_000 }).toBeGreaterThan(5);
      await expect.poll(() => pages[user]!.textContent("#state")).toBe("connected");
    }
  });

  it("refuses a grant for a malformed user, without calling the Worker", async () => {
    const res = await fetch(`${example.url}/grant`, {
      method: "POST",
      body: JSON.stringify({ room: "r", user: "a b" }),
    });
    expect(res.status).toBe(400);
  });
});
