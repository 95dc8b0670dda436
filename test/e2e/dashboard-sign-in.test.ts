import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchChromium } from "./support/browser.ts";
import { openDashboard, SCREENSHOTS } from "./support/dashboard.ts";
import "./support/context.ts";

const stack = inject("stack");
const key = stack.tenants.acme!.apiKey;

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe("signing in to the dashboard", () => {
  it("asks for the key of the tenant named in the URL, and says why a wrong one fails", async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${stack.workerUrl}/?tenant=acme`);
      expect(await page.getByLabel("Tenant id").inputValue()).toBe("acme");
      expect(await page.getByLabel("Tenant API key").getAttribute("type")).toBe("password");
      await page.screenshot({ path: `${SCREENSHOTS}dashboard-sign-in.png` });

      await page.getByLabel("Tenant API key").fill(stack.tenants.globex!.apiKey);
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect
        .poll(() => page.locator("#sign-in-message").textContent())
        .toBe(
          "Sign-in failed: The credential is not valid: unknown, expired or revoked (invalid_credential)",
        );
      expect(await page.getByLabel("Tenant API key").inputValue()).toBe("");
    } finally {
      await context.close();
    }
  });

  it("keeps only a short-lived token, in this tab: a reload stays signed in, signing out forgets it", async () => {
    const dashboard = await openDashboard(browser, stack);
    const { page } = dashboard;
    try {
      const stored = await page.evaluate(() => ({
        session: JSON.stringify(sessionStorage),
        local: JSON.stringify(localStorage),
        url: location.href,
      }));
      expect(stored.session).toContain("rdt1.");
      for (const place of Object.values(stored)) expect(place).not.toContain(key);

      await page.reload();
      await dashboard.card("main-stage").waitFor();
      expect(await page.locator("#sign-in").isHidden()).toBe(true);

      await page.getByRole("button", { name: "Sign out" }).click();
      await page.getByLabel("Tenant API key").waitFor();
      expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
      expect(await page.locator("#sign-in-message").textContent()).toBe("Signed out.");
    } finally {
      await dashboard.context.close();
    }
  });
});
