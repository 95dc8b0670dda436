import { type Browser, chromium } from "playwright-core";
import { toolPath } from "../../../local-engine/system-tools.ts";

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A fresh headless Chromium (Playwright gives each launch its own temporary profile). */
export async function launchChromium(): Promise<Browser> {
  // A real browser, never Playwright's download: `npm test` installs Debian's chromium first.
  const executablePath = toolPath("chromium");
  if (!executablePath)
    throw new Error("no Chromium on PATH: apt-get install chromium, then run the e2e tests");
  return chromium.launch({ executablePath, args: ARGS, timeout: 30_000 });
}
