import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { REPO_ROOT } from "./support/local-stack.ts";

const run = promisify(execFile);

/**
 * `npm test` and `npm start` run scripts/system-packages.ts first. Here it runs with a PATH that has
 * none of the tools, an apt-get stand-in, so that nothing is installed on this machine, and a sudo
 * stand-in that lets anyone in without a password, so that root and other users alike may install.
 */
let bin: string;
beforeEach(() => {
  bin = mkdtempSync(join(tmpdir(), "system-packages-"));
  for (const tool of ["node", "bash", "sh", "env", "true"]) symlinkSync(`/usr/bin/${tool}`, join(bin, tool));
  writeFileSync(join(bin, "sudo"), `#!/bin/sh\n[ "$1" = -n ] && shift\nexec "$@"\n`);
  chmodSync(join(bin, "sudo"), 0o755);
});
afterEach(() => rmSync(bin, { recursive: true, force: true }));

function fakeAptGet(installs: boolean) {
  const programs = ["turnserver", "chromium", "ffmpeg", "ffprobe", "srt-live-transmit"];
  const install = programs
    .map((p) => `printf '#!/bin/sh\\n' > "${bin}/${p}"; /bin/chmod +x "${bin}/${p}"`)
    .join("\n");
  writeFileSync(
    join(bin, "apt-get"),
    `#!/bin/sh\necho "apt-get $*" >> "${bin}/apt.log"\n${installs ? `[ "$1" = install ] && { ${install}; }\nexit 0` : "exit 100"}\n`,
  );
  chmodSync(join(bin, "apt-get"), 0o755);
}

async function setup(purpose: "test" | "start") {
  const started = Date.now();
  const result = await run("node", ["--import", "tsx", "scripts/system-packages.ts", "--for", purpose], {
    cwd: REPO_ROOT,
    env: { PATH: bin, HOME: process.env.HOME ?? "/root" },
  }).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
  );
  return { ...result, seconds: (Date.now() - started) / 1000 };
}

describe("system packages before npm test", () => {
  it("installs what is missing with apt-get when it may, and says what it installs", async () => {
    fakeAptGet(true);
    const { code, out } = await setup("test");
    expect(code).toBe(0);
    expect(out).toContain("Installing Debian packages for npm test:");
    expect(out).toMatch(/coturn\s+real TURN relays/);
    expect(readFileSync(join(bin, "apt.log"), "utf8")).toBe(
      "apt-get update -qq\napt-get install -y -qq coturn chromium ffmpeg srt-tools\n",
    );
  });

  it("fails within seconds, with the exact command, when installing fails", async () => {
    fakeAptGet(false);
    const { code, out, seconds } = await setup("test");
    expect(code).toBe(1);
    expect(out).toContain(
      "npm test needs programs this machine does not have: coturn, chromium, ffmpeg, srt-tools.",
    );
    expect(out).toContain("Install them with:\n  sudo apt-get install -y coturn chromium ffmpeg srt-tools");
    expect(seconds).toBeLessThan(20);
  });
});

describe("system packages before npm start", () => {
  it("starts without the optional tools, one line for each feature that is off", async () => {
    fakeAptGet(false);
    const { code, out } = await setup("start");
    expect(code).toBe(0);
    const off = out.split("\n").filter((l) => l.startsWith("Off: "));
    expect(off).toHaveLength(2);
    expect(off[0]).toMatch(
      /^Off: real TURN relays .*\. coturn is not installed \(sudo apt-get install -y coturn\)\.$/,
    );
    expect(off[1]).toMatch(/^Off: SRT ingest .*HLS and DASH.*\(sudo apt-get install -y ffmpeg\)\.$/);
    // A browser, and libsrt's own caller, are for the tests only.
    expect(out).not.toContain("chromium");
    expect(out).not.toContain("srt-tools");
  });
});
