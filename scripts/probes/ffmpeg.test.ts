import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  broadcastArgs,
  findMediaTools,
  lastErrorLine,
  type MediaTools,
  probePlayable,
  startBroadcast,
} from "./ffmpeg.ts";

/** Debian's ffmpeg, as the probes run it (npm test's pretest installs it). */
let tools: MediaTools;
let dir: string;
beforeAll(async () => {
  const found = await findMediaTools();
  if ("missing" in found) throw new Error(found.missing);
  tools = found;
  dir = mkdtempSync(join(tmpdir(), "probe-ffmpeg-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const argAfter = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

describe("the probe's ffmpeg", () => {
  it("finds ffmpeg and ffprobe on PATH and whether ffmpeg has libsrt (Debian's has)", () => {
    expect(tools.ffmpeg).toMatch(/ffmpeg$/);
    expect(tools.ffprobe).toMatch(/ffprobe$/);
    expect(tools.srt).toBe(true);
  });

  it("broadcasts what Stream asks for: H.264 yuv420p, a keyframe every 2 s at 30 fps, AAC", () => {
    const args = broadcastArgs("rtmps://example.test/live/key", "flv");
    expect(argAfter(args, "-c:v")).toBe("libx264");
    expect(argAfter(args, "-pix_fmt")).toBe("yuv420p");
    expect(args.join(" ")).toContain("rate=30");
    expect(argAfter(args, "-g")).toBe("60");
    expect(argAfter(args, "-sc_threshold")).toBe("0");
    expect(argAfter(args, "-c:a")).toBe("aac");
    expect(args.slice(-3)).toEqual(["-f", "flv", "rtmps://example.test/live/key"]);
  });

  it("a broadcast stops on stop() (SIGINT, as a broadcaster pressing stop), and what it wrote plays", {
    timeout: 30_000,
  }, async () => {
    const file = join(dir, "pattern.ts");
    const broadcast = startBroadcast(tools, file, "mpegts", 20_000);
    await expect
      .poll(() => statSync(file, { throwIfNoEntry: false })?.size ?? 0, { timeout: 10_000 })
      .toBeGreaterThan(100_000);
    expect(broadcast.running()).toBe(true);
    await broadcast.stop();
    expect(broadcast.running()).toBe(false);
    const played = await probePlayable(tools, file, 10_000);
    expect(played).toMatchObject({ ok: true, streams: { video: "h264", audio: "aac" } });
  });

  it("zx kills a broadcast nobody stopped once the stop's grace has passed after its deadline", {
    timeout: 20_000,
  }, async () => {
    const startedAt = Date.now();
    const broadcast = startBroadcast(tools, join(dir, "timed.ts"), "mpegts", 500);
    const out = await broadcast.exited;
    expect(out.signal).toBe("SIGKILL");
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(5_500);
    expect(broadcast.running()).toBe(false);
  });

  it("a refused broadcast exits by itself, and its last stderr line says why", {
    timeout: 20_000,
  }, async () => {
    const out = await startBroadcast(tools, "rtmp://127.0.0.1:9/live/key", "flv", 15_000).exited;
    expect(out.exitCode).not.toBe(0);
    expect(lastErrorLine(out)).toMatch(/Connection refused|Cannot open|Error/i);
  });

  it("says why a broadcast ended without the credentials its URL carries", { timeout: 40_000 }, async () => {
    // ffmpeg's error line names the URL it published to; the ports are closed, so both are refused.
    const key = `key${randomBytes(8).toString("hex")}`;
    const rtmp = startBroadcast(tools, `rtmp://127.0.0.1:9/live/${key}`, "flv", 15_000);
    const rtmpSaid = await rtmp.exitReason();
    expect(lastErrorLine(await rtmp.exited)).toContain(key);
    expect(rtmpSaid).toMatch(/^ffmpeg exited \(\d+\): .*<redacted>/);
    expect(rtmpSaid).not.toContain(key);

    const passphrase = randomBytes(8).toString("hex");
    const streamId = `id${randomBytes(8).toString("hex")}`;
    const srt = startBroadcast(
      tools,
      `srt://127.0.0.1:9?${new URLSearchParams({ streamid: streamId, passphrase })}`,
      "mpegts",
      15_000,
    );
    const srtSaid = await srt.exitReason();
    expect(lastErrorLine(await srt.exited)).toContain(passphrase);
    expect(srtSaid).toMatch(/^ffmpeg exited \(\d+\): /);
    for (const secret of [passphrase, streamId]) expect(srtSaid).not.toContain(secret);
  });

  it("something that is not media does not play, with ffprobe's reason", async () => {
    const played = await probePlayable(tools, join(dir, "nothing-here.m3u8"), 10_000);
    expect(played).toMatchObject({ ok: false, reason: expect.stringMatching(/No such file/) });
  });
});
