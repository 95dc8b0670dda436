import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { EmulatorAdmin } from "#emulator/admin-client.ts";
import { launchChromium } from "./support/browser.ts";
import { type Dashboard, openDashboard } from "./support/dashboard.ts";
import "./support/context.ts";

const stack = inject("stack");
const admin = new EmulatorAdmin(stack.emulatorUrl, stack.adminToken);

let browser: Browser;
let dashboard: Dashboard;
beforeAll(async () => {
  browser = await launchChromium();
  dashboard = await openDashboard(browser, stack);
});
afterAll(async () => {
  await browser?.close();
});

/** Runs a check from its button and waits for its verdict. */
async function runCheck(name: string): Promise<{ verdict: string; text: string }> {
  const button = dashboard.page.getByRole("button", { name, exact: true });
  const result = dashboard.page.locator(`#${await button.getAttribute("id")}-result`);
  await button.click();
  await expect.poll(() => result.getAttribute("data-result"), { timeout: 20_000 }).toMatch(/^(pass|fail)$/);
  return { verdict: (await result.getAttribute("data-result"))!, text: (await result.textContent())! };
}

describe("Test TURN", () => {
  it("passes with relay candidates from the local coturn, with credentials the emulator issued", async () => {
    const { verdict, text } = await runCheck("Test TURN");
    expect(text).toMatch(/^Pass: \d+ relay candidates? \(/);
    expect(verdict).toBe("pass");
    await dashboard.screenshot("turn-pass");
  });

  it("fails visibly, saying why, when TURN credentials cannot be generated", async () => {
    const fault = await admin.addFault({
      method: "POST",
      path: "/v1/turn/keys/*/credentials/generate-ice-servers",
      action: { type: "status", status: 500 },
    });
    try {
      const { verdict, text } = await runCheck("Test TURN");
      expect(verdict).toBe("fail");
      expect(text).toContain("Cloudflare Realtime TURN failed (HTTP 500) (upstream_error)");
      await dashboard.screenshot("turn-fail");
    } finally {
      await admin.removeFault(fault.id);
    }
  });
});

describe("Test SFU", () => {
  it("creates a session, publishes a track from this browser and closes it", async () => {
    const { verdict, text } = await runCheck("Test SFU");
    expect(text).toMatch(/^Pass: session .* a track published, read back and closed$/);
    expect(verdict).toBe("pass");
    await dashboard.screenshot("sfu-pass");
  });
});
