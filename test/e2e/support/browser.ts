import { type Browser, chromium } from "playwright-core";
import { toolPath } from "#local-engine/system-tools.ts";

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

/**
 * For WebRTC with the local media plane: candidates on loopback (where the emulator's SFU
 * listens), host addresses as they are rather than mDNS names, and a fake camera that needs no
 * permission prompt.
 */
const MEDIA_ARGS = [
  "--allow-loopback-in-peer-connection",
  "--disable-features=WebRtcHideLocalIpsWithMdns",
  "--use-fake-device-for-media-stream",
  "--use-fake-ui-for-media-stream",
];

/** A fresh headless Chromium (Playwright gives each launch its own temporary profile). */
export async function launchChromium(options: { media?: boolean; args?: string[] } = {}): Promise<Browser> {
  // A real browser, never Playwright's download: `npm test` installs Debian's chromium first.
  const executablePath = toolPath("chromium");
  if (!executablePath)
    throw new Error("no Chromium on PATH: apt-get install chromium, then run the e2e tests");
  const args = [...ARGS, ...(options.media ? MEDIA_ARGS : []), ...(options.args ?? [])];
  return chromium.launch({ executablePath, args, timeout: 30_000 });
}
