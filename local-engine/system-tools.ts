import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/**
 * The programs from the operating system that the local cloud and the tests run. Each names the
 * feature it serves, so that a missing one can be reported as that feature being off, and the
 * package that provides it on Debian/Ubuntu and on macOS (Homebrew).
 */
export interface SystemTool {
  name: SystemToolName;
  /** Executable names to look for on PATH, preferred first. */
  binaries: readonly string[];
  /** Debian's package; Ubuntu ships the same names except where `ubuntu` says otherwise. */
  debian: string;
  ubuntu?: string;
  brew: string;
  /** What is off without it, as a plural noun phrase ("real TURN relays"). */
  feature: string;
  /** Who needs it: `npm test` needs every tool; `npm start` runs without the optional ones. */
  neededBy: readonly ("test" | "start")[];
}

export type SystemToolName = "coturn" | "chromium" | "ffmpeg" | "srt-tools";

export const SYSTEM_TOOLS: readonly SystemTool[] = [
  {
    name: "coturn",
    binaries: ["turnserver"],
    debian: "coturn",
    brew: "coturn",
    feature: "real TURN relays (a local coturn that accepts the emulator's credentials)",
    neededBy: ["test", "start"],
  },
  {
    name: "chromium",
    // GitHub's Ubuntu runners ship Google Chrome; Ubuntu's own chromium is a snap.
    binaries: ["chromium", "chromium-browser", "google-chrome-stable", "google-chrome"],
    debian: "chromium",
    ubuntu: "chromium-browser",
    brew: "--cask chromium",
    feature: "browser tests (the dashboard and WebRTC in headless Chromium)",
    neededBy: ["test"],
  },
  {
    name: "ffmpeg",
    binaries: ["ffmpeg", "ffprobe"],
    debian: "ffmpeg",
    brew: "ffmpeg",
    feature: "live ingest packaging to HLS and DASH, and test broadcasts",
    neededBy: ["test", "start"],
  },
  {
    name: "srt-tools",
    binaries: ["srt-live-transmit"],
    debian: "srt-tools",
    brew: "srt",
    feature: "SRT ingest",
    neededBy: ["test", "start"],
  },
];

function onPath(binary: string, path = process.env.PATH ?? ""): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, binary);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return undefined;
}

/** Where the tool's (first) program is, or undefined when it is not installed. */
export function toolPath(name: SystemToolName): string | undefined {
  const tool = SYSTEM_TOOLS.find((t) => t.name === name)!;
  // ffmpeg needs ffprobe beside it; the others are one program with alternative names.
  if (name === "ffmpeg") return tool.binaries.every((b) => onPath(b)) ? onPath("ffmpeg") : undefined;
  for (const binary of tool.binaries) {
    const found = onPath(binary);
    if (found) return found;
  }
  return undefined;
}

/** The tools `purpose` needs that are not installed. */
export const missingTools = (purpose: "test" | "start") =>
  SYSTEM_TOOLS.filter((t) => t.neededBy.includes(purpose) && !toolPath(t.name));
