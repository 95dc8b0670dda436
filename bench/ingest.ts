import { spawn } from "node:child_process";
import { createServerClient } from "#client/server.ts";
import { ROUTE_TABLE } from "#contracts/api/route-table.ts";
import { probeCodecs } from "#emulator/services/media/testing.ts";
import { goLive } from "#local-engine/go-live.ts";
import { notifyLocalWorker } from "#local-engine/local-notifications.ts";
import { toolPath } from "#local-engine/system-tools.ts";
import { launchChromium } from "#test/e2e/support/browser.ts";
import { framesDecoded, playWhep, publishWhip } from "#test/e2e/support/webrtc-stream.ts";
import { numberFlags } from "./args.ts";
import { benchStack, median } from "./local-stack.ts";

/**
 * Ingest latencies on the local stack with its media plane, each round from scratch:
 *   RTMPS: ffmpeg starts (the command npm start prints) → the live input is connected → the first
 *   HLS segment → the first HLS playlist served → the dashboard (headless Chromium) shows Live; and ffmpeg stops →
 *   the dashboard shows Disconnected.
 *   WHIP: Chromium publishes → a WHEP viewer in a second page decodes its first frame.
 *   Restream: acme/main-stage with an output to globex/live's RTMP ingest; from main-stage's input
 *   connected → globex/live's input connected (the relay's ffmpeg started and its first media in).
 *   Private channel (acme/private-stage, added for this bench, `playback: signed`), live over RTMPS:
 *   a viewer's `POST /api/stream/playback-token` → its first HLS segment, through the token's URL,
 *   decoded by ffprobe.
 */
const USAGE = "Usage: npm run bench:ingest -- [--rounds 3]";
const { rounds } = numberFlags(USAGE, { rounds: { default: 3, min: 1, max: 20 } });

type Outputs = {
  tenants: Record<
    string,
    { apiKey: string; channels: Record<string, { liveInputId: string; playback: { hls: string } }> }
  >;
};

const POLL_MS = 10;
/** tsx keeps function names with an `__name` helper that pages lack; the page functions need it. */
const KEEP_NAMES = { content: "globalThis.__name = (f) => f;" };
const DEADLINE_MS = 30_000;

async function until(what: string, check: () => boolean | Promise<boolean>): Promise<number> {
  const start = performance.now();
  while (!(await check())) {
    if (performance.now() - start > DEADLINE_MS) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return performance.now();
}

const ffmpeg = toolPath("ffmpeg");
if (!ffmpeg) throw new Error("bench:ingest needs ffmpeg (apt-get install ffmpeg)");
const ffprobe = ffmpeg.replace(/ffmpeg$/, "ffprobe");
const PRIVATE_CHANNEL = "private-stage";
const { local, close } = await benchStack({ media: true });
{
  const key = "realtime-stack:tenants";
  const tenants = JSON.parse(local.config()[key]!) as { id: string; channels: object[] }[];
  tenants.find((t) => t.id === "acme")!.channels.push({ name: PRIVATE_CHANNEL, playback: "signed" });
  local.writePatch({ ...local.readPatch(), [key]: JSON.stringify(tenants) });
  await local.apply();
}
const browser = await launchChromium({ media: true });
try {
  const outputs = local.outputs as Outputs;
  const tenant = outputs.tenants.acme!;
  const rtmpChannel = tenant.channels["main-stage"]!;
  const whipChannel = tenant.channels.backstage!;
  await notifyLocalWorker(local, [rtmpChannel.liveInputId, whipChannel.liveInputId]);
  const stream = local.emulator.stores.stream;

  const dashboard = await (await browser.newContext()).newPage();
  await dashboard.goto(`${local.worker.url}/?tenant=acme`);
  await dashboard.getByLabel("Tenant API key").fill(tenant.apiKey);
  await dashboard.getByRole("button", { name: "Sign in" }).click();
  const indicator = dashboard.locator('article[data-channel="main-stage"] .indicator');
  await indicator.waitFor();

  const rtmp = {
    connected: [] as number[],
    segment: [] as number[],
    hls: [] as number[],
    live: [] as number[],
    disconnected: [] as number[],
  };
  for (let round = 0; round < rounds; round++) {
    const args = goLive(local.emulator, rtmpChannel.liveInputId)!.ffmpegArgs;
    const start = performance.now();
    const child = spawn(ffmpeg, ["-hide_banner", "-loglevel", "error", ...args], { stdio: "ignore" });
    const exited = new Promise((r) => child.once("close", r));
    const live = until("Live", async () => (await indicator.textContent()) === "Live");
    const connected = await until(
      "connected",
      () => stream.get(rtmpChannel.liveInputId)?.state === "connected",
    );
    const firstSegment = new URL("seg-0.ts", rtmpChannel.playback.hls).href;
    const segment = await until(
      "the first HLS segment",
      async () => (await fetch(firstSegment)).status === 200,
    );
    const hls = await until(
      "the first HLS playlist",
      async () => (await fetch(rtmpChannel.playback.hls)).status === 200,
    );
    rtmp.connected.push(connected - start);
    rtmp.segment.push(segment - start);
    rtmp.hls.push(hls - start);
    rtmp.live.push((await live) - start);
    const stop = performance.now();
    child.kill("SIGINT");
    await until("Disconnected", async () => (await indicator.textContent()) === "Disconnected");
    rtmp.disconnected.push(performance.now() - stop);
    await exited;
  }

  // An output from main-stage to globex/live's own ingest, made through Stream's API as the
  // provider makes it, for the restream rounds only (its relay would load the rounds above).
  const globexLive = outputs.tenants.globex!.channels.live!;
  const outputsPath = `${local.emulator.apiBase}/accounts/${local.emulator.accountId}/stream/live_inputs/${rtmpChannel.liveInputId}/outputs`;
  const auth = { authorization: `Bearer ${local.emulator.adminToken}`, "content-type": "application/json" };
  const made = await fetch(outputsPath, {
    method: "POST",
    headers: auth,
    body: JSON.stringify({
      url: local.emulator.media!.rtmpServers().rtmp,
      streamKey: stream.get(globexLive.liveInputId)!.streamKey,
    }),
  });
  const output = ((await made.json()) as { result: { uid: string } }).result;
  const restream: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const args = goLive(local.emulator, rtmpChannel.liveInputId)!.ffmpegArgs;
    const child = spawn(ffmpeg, ["-hide_banner", "-loglevel", "error", ...args], { stdio: "ignore" });
    const exited = new Promise((r) => child.once("close", r));
    const connected = await until(
      "connected",
      () => stream.get(rtmpChannel.liveInputId)?.state === "connected",
    );
    const targetLive = await until(
      "the restream target connected",
      () => stream.get(globexLive.liveInputId)?.state === "connected",
    );
    restream.push(targetLive - connected);
    child.kill("SIGINT");
    await until(
      "the restream target disconnected",
      () => stream.get(globexLive.liveInputId)?.state !== "connected",
    );
    await exited;
  }
  await fetch(`${outputsPath}/${output.uid}`, { method: "DELETE", headers: auth });

  // A private channel, live: each round one viewer asks for a token and plays its first segment.
  const privateChannel = (local.outputs as Outputs).tenants.acme!.channels[PRIVATE_CHANNEL]!;
  const api = createServerClient({ baseUrl: local.worker.url, tenant: "acme", key: tenant.apiKey });
  const firstSegmentOf = async (hls: string) => {
    const playlist = await fetch(hls);
    if (playlist.status !== 200) return undefined;
    const line = (await playlist.text()).split("\n").find((l) => l.endsWith(".ts"));
    return line ? new URL(line, hls).href : undefined;
  };
  const privateBroadcast = spawn(
    ffmpeg,
    ["-hide_banner", "-loglevel", "error", ...goLive(local.emulator, privateChannel.liveInputId)!.ffmpegArgs],
    { stdio: "ignore" },
  );
  const privateExited = new Promise((r) => privateBroadcast.once("close", r));
  const tokenToSegment: number[] = [];
  try {
    const ready = (await api.streamPlaybackToken({ channel: PRIVATE_CHANNEL })).playback.hls;
    await until(
      "the private channel's first segment",
      async () => (await firstSegmentOf(ready)) !== undefined,
    );
    for (let round = 0; round < rounds; round++) {
      const start = performance.now();
      const { playback } = await api.streamPlaybackToken({ channel: PRIVATE_CHANNEL });
      const segment = await firstSegmentOf(playback.hls);
      if (!segment || (await probeCodecs(ffprobe, segment)).length === 0) {
        throw new Error("the private channel's token did not play");
      }
      tokenToSegment.push(performance.now() - start);
    }
  } finally {
    privateBroadcast.kill("SIGINT");
    await privateExited;
  }

  const whip = { connected: [] as number[], frame: [] as number[] };
  const whipSecret = stream.get(whipChannel.liveInputId)!.whipSecret;
  for (let round = 0; round < rounds; round++) {
    const publisher = await (await browser.newContext()).newPage();
    const viewer = await (await browser.newContext()).newPage();
    await publisher.addInitScript(KEEP_NAMES);
    await viewer.addInitScript(KEEP_NAMES);
    await publisher.goto(`${local.worker.url}${ROUTE_TABLE.healthz.path}`);
    await viewer.goto(`${local.worker.url}${ROUTE_TABLE.healthz.path}`);
    const base = `${local.emulator.url}/delivery/customer-${stream.customerCode}`;
    const start = performance.now();
    const session = await publishWhip(publisher, `${base}/${whipSecret}/webRTC/publish`);
    const connected = await until(
      "WHIP connected",
      () => stream.get(whipChannel.liveInputId)?.state === "connected",
    );
    await playWhep(viewer, `${base}/${whipChannel.liveInputId}/webRTC/play`);
    const frame = await until("the first WHEP frame", async () => (await framesDecoded(viewer)) > 0);
    whip.connected.push(connected - start);
    whip.frame.push(frame - start);
    await fetch(session, { method: "DELETE" });
    await until("WHIP disconnected", () => stream.get(whipChannel.liveInputId)?.state !== "connected");
    await publisher.context().close();
    await viewer.context().close();
  }

  const row = (label: string, samples: number[]) =>
    console.log(
      `  ${label.padEnd(44)} median ${median(samples).toFixed(0).padStart(5)} ms   min ${Math.min(...samples)
        .toFixed(0)
        .padStart(5)} ms   max ${Math.max(...samples)
        .toFixed(0)
        .padStart(5)} ms`,
    );
  console.log(`ingest on the local stack, ${rounds} round(s) each (2 cores)`);
  console.log("RTMPS (ffmpeg, 1280x720 H.264 + AAC, 2 s keyframes), from ffmpeg starting:");
  row("live input connected", rtmp.connected);
  row("first HLS segment", rtmp.segment);
  row("first HLS playlist served (3 segments)", rtmp.hls);
  row("dashboard shows Live", rtmp.live);
  row("ffmpeg stops → dashboard shows Disconnected", rtmp.disconnected);
  console.log("Restream (an output to another input's RTMP ingest, ffmpeg -c copy relay):");
  row("input live → restream target live", restream);
  console.log("Private channel (playback: signed), live over RTMPS:");
  row("token request → first segment decoded", tokenToSegment);
  console.log("WHIP (Chromium, fake camera), from the WHIP POST:");
  row("live input connected", whip.connected);
  row("first frame decoded by a WHEP viewer", whip.frame);
} finally {
  await browser.close();
  await close();
}
