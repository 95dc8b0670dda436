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

/** WebRTC between the browser and servers on 127.0.0.1, with a fake camera and microphone. */
export const LOOPBACK_WEBRTC_ARGS = [
  "--allow-loopback-in-peer-connection",
  "--disable-features=WebRtcHideLocalIpsWithMdns",
  "--use-fake-device-for-media-stream",
  "--use-fake-ui-for-media-stream",
];

/** A fresh headless Chromium (Playwright gives each launch its own temporary profile). */
export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  // A real browser, never Playwright's download: `npm test` installs Debian's chromium first.
  const executablePath = toolPath("chromium");
  if (!executablePath)
    throw new Error("no Chromium on PATH: apt-get install chromium, then run the e2e tests");
  return chromium.launch({ executablePath, args: [...ARGS, ...extraArgs], timeout: 30_000 });
}
