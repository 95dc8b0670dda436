import { spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServerClient } from "#client/server.ts";
import { lifecycle } from "#contracts/cloudflare/stream.ts";
import { ffmpegBroadcast, probeCodecs, type TestBroadcast } from "#emulator/services/media/testing.ts";
import { toolPath } from "#local-engine/system-tools.ts";
import { startTestStack, type TestStack } from "./support/local-stack.ts";

const FFMPEG = toolPath("ffmpeg")!;
const FFPROBE = FFMPEG.replace(/ffmpeg$/, "ffprobe");
const TENANTS = "realtime-stack:tenants";
const OUTPUT_KEYS = "realtime-stack:outputStreamKeys";

/**
 * Restreaming with real media through the whole stack: the dev stack (Pulumi.dev.yaml: acme with
 * main-stage, globex with live) applied by the local engine, acme/main-stage given an output whose
 * target is globex/live's own ingest and stream key. A broadcast to acme/main-stage then makes
 * globex/live go live with the same media (docs/reference/cloudflare-api.md §1.8).
 */
let stack: TestStack;
let broadcast: TestBroadcast | undefined;
beforeAll(async () => {
  stack = await startTestStack({ media: true });
}, 180_000);
afterAll(async () => {
  await broadcast?.stop();
  await stack?.close();
});

interface Output {
  name: string;
  url: string;
  enabled?: boolean;
}

/** Applies the dev stack with these outputs on acme/main-stage, their keys in the secret map. */
async function applyOutputs(outputs: Output[], keys: Record<string, string>) {
  const tenants = JSON.parse(stack.local.config()[TENANTS]!) as {
    id: string;
    channels: { name: string; outputs?: Output[] }[];
  }[];
  tenants.find((t) => t.id === "acme")!.channels.find((c) => c.name === "main-stage")!.outputs = outputs;
  stack.local.writePatch({
    ...stack.local.readPatch(),
    [TENANTS]: JSON.stringify(tenants),
    [OUTPUT_KEYS]: JSON.stringify(keys),
  });
  return stack.local.apply();
}

const ops = (steps: { op: string; name: string }[]) =>
  steps.filter((s) => s.name.includes("-output-")).map((s) => `${s.op}:${s.name.split("-output-")[1]}`);

async function isLive(playbackHls: string): Promise<boolean> {
  const res = await fetch(playbackHls.replace(/\/manifest\/video\.m3u8$/, "/lifecycle"));
  return lifecycle.parse(await res.json()).live;
}

describe("restream outputs through the local stack, with real media", () => {
  it("acme/main-stage restreams to globex/live: live with the same media, down when disabled, and a new URL replaces the output", {
    timeout: 240_000,
  }, async () => {
    const before = await stack.driver.outputs();
    // The scripts' schema leaves ingest and playback optional; the local engine writes both.
    const [globex, acme] = [
      before.tenants.globex!.channels.live!,
      before.tenants.acme!.channels["main-stage"]!,
    ];
    const globexKey = String(globex.streamKey);
    const [globexIngest, globexPlayback] = [globex.ingest!, globex.playback!];
    const [acmeIngest, acmePlayback] = [acme.ingest!, acme.playback!];
    const target = stack.local.emulator.media!.rtmpServers().rtmp;
    const keys = { "acme/main-stage/to-globex": globexKey };

    const created = await applyOutputs([{ name: "to-globex", url: target }], keys);
    expect(ops(created.steps)).toEqual(["create:acme/main-stage/to-globex"]);
    const [first] = stack.local.emulator.stores.stream.listOutputs(acme.liveInputId);
    expect(first).toMatchObject({ url: target, streamKey: globexKey, enabled: true });

    // The Worker shows the declared output, its key masked, without reading Cloudflare for it.
    const api = createServerClient({
      baseUrl: before.workerUrl,
      tenant: "acme",
      key: before.tenants.acme!.apiKey,
    });
    const status = await api.streamStatus({ channel: "main-stage" });
    expect("outputs" in status && status.outputs).toEqual([
      { name: "to-globex", url: target, enabled: true, stream_key: "********" },
    ]);
    expect(JSON.stringify(status)).not.toContain(globexKey);

    broadcast = ffmpegBroadcast(FFMPEG, `${acmeIngest.rtmpsUrl}${String(acme.streamKey)}`);
    await expect.poll(() => isLive(acmePlayback.hls), { timeout: 20_000 }).toBe(true);
    await expect.poll(() => isLive(globexPlayback.hls), { timeout: 20_000 }).toBe(true);
    // globex/live plays what acme/main-stage receives: its HLS decodes to the same codecs.
    await expect.poll(async () => (await fetch(globexPlayback.hls)).status, { timeout: 20_000 }).toBe(200);
    expect(await probeCodecs(FFPROBE, globexPlayback.hls)).toEqual(["aac", "h264"]);

    const disabled = await applyOutputs([{ name: "to-globex", url: target, enabled: false }], keys);
    expect(ops(disabled.steps)).toEqual(["update:acme/main-stage/to-globex"]);
    await expect.poll(() => isLive(globexPlayback.hls), { timeout: 20_000 }).toBe(false);
    expect(await isLive(acmePlayback.hls)).toBe(true);

    // Another URL to the same target (its RTMPS ingest): a new output, then the old one deleted.
    const moved = await applyOutputs([{ name: "to-globex", url: globexIngest.rtmpsUrl }], keys);
    expect(ops(moved.steps)).toEqual([
      "replace:acme/main-stage/to-globex",
      "delete:acme/main-stage/to-globex",
    ]);
    const after = stack.local.emulator.stores.stream.listOutputs(acme.liveInputId);
    expect(after.map((o) => o.url)).toEqual([globexIngest.rtmpsUrl]);
    expect(after[0]!.uid).not.toBe(first!.uid);
    await expect.poll(() => isLive(globexPlayback.hls), { timeout: 20_000 }).toBe(true);
  });
});

/** A UDP port that was free a moment ago, for an SRT listener. */
async function freeUdpPort(): Promise<number> {
  const socket = createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

describe("a restream output to an SRT target, with real media", () => {
  it("forwards the broadcast as MPEG-TS over SRT, which an SRT listener receives and ffprobe decodes", {
    timeout: 120_000,
  }, async () => {
    const before = await stack.driver.outputs();
    const acme = before.tenants.acme!.channels["main-stage"]!;
    // Another SRT receiver than the emulator's own ingest, which wants a passphrase no output
    // carries: Debian's ffmpeg (libsrt) listening, writing what it receives to a file.
    const port = await freeUdpPort();
    const dir = mkdtempSync(join(tmpdir(), "srt-output-"));
    const received = join(dir, "received.ts");
    const listener = spawn(
      FFMPEG,
      [
        "-hide_banner",
        "-loglevel",
        "error",
        "-i",
        `srt://127.0.0.1:${port}?mode=listener`,
        "-t",
        "4",
        "-c",
        "copy",
        "-f",
        "mpegts",
        received,
      ],
      { stdio: "ignore" },
    );
    const listened = new Promise<number | null>((resolve) => listener.once("close", resolve));
    try {
      const target = `srt://127.0.0.1:${port}`;
      const applied = await applyOutputs([{ name: "to-srt", url: target }], {
        "acme/main-stage/to-srt": "srt-stream-id",
      });
      // A new output; the RTMP one of the test before, when it ran, is deleted after it.
      expect(ops(applied.steps)[0]).toBe("create:acme/main-stage/to-srt");
      broadcast ??= ffmpegBroadcast(FFMPEG, `${acme.ingest!.rtmpsUrl}${String(acme.streamKey)}`);
      // The listener ends by itself after 4 s of media; an exit code of 0 is a whole recording.
      expect(await listened).toBe(0);
      expect(statSync(received).size).toBeGreaterThan(0);
      expect(await probeCodecs(FFPROBE, received)).toEqual(["aac", "h264"]);
    } finally {
      listener.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
