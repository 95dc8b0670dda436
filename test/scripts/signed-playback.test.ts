import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toBase64url } from "#contracts/hmac.ts";
import { WorkerApi } from "#scripts/lib/worker-api.ts";
import {
  type Broadcast,
  findMediaTools,
  type MediaTools,
  probePlayable,
  startBroadcast,
} from "#scripts/probes/ffmpeg.ts";
import { startTestStack, type TestStack } from "./support/local-stack.ts";

/**
 * A private channel on the local stack with the media plane: a real ffmpeg broadcast to
 * acme/members (`playback: signed`), played through tokens from the Worker and refused without.
 */
let stack: TestStack;
let tools: MediaTools;
let broadcast: Broadcast;
let api: WorkerApi;
let liveInputId: string;

const PRIVATE_CHANNEL = { name: "members", playback: "signed" };

beforeAll(async () => {
  const found = await findMediaTools();
  if ("missing" in found) throw new Error(`the test needs ${found.missing}`);
  tools = found;
  stack = await startTestStack({ media: true });
  const tenantsKey = "realtime-stack:tenants";
  const tenants = JSON.parse(stack.local.config()[tenantsKey]!) as { id: string; channels: object[] }[];
  tenants.find((t) => t.id === "acme")!.channels.push(PRIVATE_CHANNEL);
  stack.local.writePatch({ ...stack.local.readPatch(), [tenantsKey]: JSON.stringify(tenants) });
  await stack.local.apply();
  const outputs = await stack.driver.outputs();
  api = new WorkerApi(outputs.workerUrl, { tenant: "acme", key: outputs.tenants.acme!.apiKey });
  liveInputId = outputs.tenants.acme!.channels.members!.liveInputId;
  const servers = stack.local.emulator.media!.rtmpServers();
  const streamKey = stack.local.emulator.stores.stream.get(liveInputId)!.streamKey;
  broadcast = startBroadcast(tools, `${servers.rtmp}${streamKey}`, "flv", 120_000);
}, 180_000);
afterAll(async () => {
  await broadcast?.stop();
  await stack?.close();
});

/** Asks for the manifest until the broadcast has one (204 until its first segments are packaged). */
async function manifestStatus(url: string): Promise<number> {
  const deadline = Date.now() + 45_000;
  for (;;) {
    const res = await fetch(url);
    await res.arrayBuffer();
    if (res.status !== 204 || Date.now() > deadline) return res.status;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

describe("a private channel with a real broadcast", () => {
  it("refuses the unsigned HLS URL and plays the Worker's token: ffprobe decodes it", {
    timeout: 90_000,
  }, async () => {
    const data = await api.playbackToken({ channel: "members", ttl: 300 });
    expect(data.signed).toBe(true);
    expect(await manifestStatus(data.playback.hls)).toBe(200);
    const unsigned = data.playback.hls.replace(data.token!, liveInputId);
    expect((await fetch(unsigned)).status).toBe(401);
    const played = await probePlayable(tools, data.playback.hls, 30_000);
    expect(played, played.ok ? "" : played.reason).toMatchObject({ ok: true, streams: { video: "h264" } });
    // A segment the playlist names plays under the token, and is refused under the bare uid.
    const playlist = await (await fetch(data.playback.hls)).text();
    const segment = playlist.split("\n").find((line) => line && !line.startsWith("#"));
    expect(segment).toBeDefined();
    const segmentUrl = new URL(segment!, data.playback.hls).href;
    expect((await fetch(segmentUrl)).status).toBe(200);
    expect((await fetch(segmentUrl.replace(data.token!, liveInputId))).status).toBe(401);
  });

  it("refuses an expired, tampered or alg none token with the broadcast live", {
    timeout: 60_000,
  }, async () => {
    const data = await api.playbackToken({ channel: "members", ttl: 60 });
    expect(await manifestStatus(data.playback.hls)).toBe(200);
    const [head, body] = data.token!.split(".") as [string, string, string];
    const payload = JSON.parse(Buffer.from(body, "base64url").toString()) as Record<string, unknown>;
    const encode = (value: unknown) => toBase64url(new TextEncoder().encode(JSON.stringify(value)));
    const forged = {
      tampered: `${head}.${encode({ ...payload, exp: Number(payload.exp) + 3_600 })}.${data.token!.split(".")[2]}`,
      "alg none": `${encode({ alg: "none", kid: payload.kid })}.${body}.`,
      expired: `${head}.${encode({ ...payload, exp: 1 })}.${data.token!.split(".")[2]}`,
    };
    for (const [what, token] of Object.entries(forged)) {
      const status = (await fetch(data.playback.hls.replace(data.token!, token))).status;
      expect({ what, status }).toEqual({ what, status: 401 });
    }
  });

  it("a public channel's playback-token answer is its plain URLs", async () => {
    const data = await api.playbackToken({ channel: "main-stage" });
    expect(data).toMatchObject({ signed: false, token: null });
    expect(data.playback.hls).toContain(`/${data.live_input_id}/manifest/video.m3u8`);
  });
});
