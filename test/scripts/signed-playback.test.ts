import { readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServerClient, type ServerClient } from "#client/server.ts";
import { toBase64url } from "#contracts/hmac.ts";
import { silentProgress } from "#scripts/lib/progress.ts";
import {
  type Broadcast,
  findMediaTools,
  type MediaTools,
  probePlayable,
  startBroadcast,
} from "#scripts/probes/ffmpeg.ts";
import { Journal } from "#scripts/rotation/journal.ts";
import { type Checkpoint, rotate } from "#scripts/rotation/run.ts";
import { stackVerifier } from "#scripts/rotation/verify.ts";
import { engineState, startTestStack, type TestStack, workerBinding } from "./support/local-stack.ts";

/**
 * A private channel on the local stack with the media plane: a real ffmpeg broadcast to
 * acme/members (`playback: signed`), played through tokens from the Worker and refused without.
 */
let stack: TestStack;
let tools: MediaTools;
let broadcast: Broadcast;
let api: ServerClient;
let liveInputId: string;

const PRIVATE_CHANNEL = { name: "members", playback: "signed" };
const TOKEN_TTL_MAX = 120;

beforeAll(async () => {
  const found = await findMediaTools();
  if ("missing" in found) throw new Error(`the test needs ${found.missing}`);
  tools = found;
  stack = await startTestStack({ media: true });
  const tenantsKey = "realtime-stack:tenants";
  const tenants = JSON.parse(stack.local.config()[tenantsKey]!) as { id: string; channels: object[] }[];
  tenants.find((t) => t.id === "acme")!.channels.push(PRIVATE_CHANNEL);
  // A short longest token, as a stack that rotates playback keys often would set.
  const workerKey = "realtime-stack:worker";
  const worker = JSON.parse(stack.local.config()[workerKey]!) as Record<string, unknown>;
  worker.playbackTokenTtl = { default: 60, max: TOKEN_TTL_MAX };
  stack.local.writePatch({
    ...stack.local.readPatch(),
    [tenantsKey]: JSON.stringify(tenants),
    [workerKey]: JSON.stringify(worker),
  });
  await stack.local.apply();
  const outputs = await stack.driver.outputs();
  api = createServerClient({ baseUrl: outputs.workerUrl, tenant: "acme", key: outputs.tenants.acme!.apiKey });
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
    const data = await api.streamPlaybackToken({ channel: "members", ttl: TOKEN_TTL_MAX });
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
    const data = await api.streamPlaybackToken({ channel: "members", ttl: 60 });
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
    const data = await api.streamPlaybackToken({ channel: "main-stage" });
    expect(data).toMatchObject({ signed: false, token: null });
    expect(data.playback.hls).toContain(`/${data.live_input_id}/manifest/video.m3u8`);
  });
});

describe("npm run rotate -- --only playback-keys", () => {
  let periods = 0;
  const rotateAt = (now: number) =>
    rotate(stack.driver, {
      kinds: ["playback-keys"],
      period: `playback-${++periods}`,
      dryRun: false,
      force: false,
      verify: stackVerifier({ timeoutMs: 10_000, mediaProbes: false }),
      progress: silentProgress,
      now: () => now,
    });
  const plays = async (hls: string) => manifestStatus(hls);

  it("switches the Worker to a new key, keeps the old one until its longest token expired, then deletes it", {
    timeout: 180_000,
  }, async () => {
    const old = await api.streamPlaybackToken({ channel: "members", ttl: TOKEN_TTL_MAX });
    const oldKid = workerBinding(stack.local, "PLAYBACK_KEY_ID");
    expect(await plays(old.playback.hls)).toBe(200);

    const switchedAt = Date.now();
    const first = await rotateAt(switchedAt);
    expect(first.kinds[0]).toMatchObject({ kind: "playback-keys", outcome: "rotated" });
    const newKid = workerBinding(stack.local, "PLAYBACK_KEY_ID");
    expect(newKid).not.toBe(oldKid);
    const fresh = await api.streamPlaybackToken({ channel: "members", ttl: 60 });
    expect(JSON.parse(Buffer.from(fresh.token!.split(".")[0]!, "base64url").toString()).kid).toBe(newKid);
    expect(await plays(fresh.playback.hls)).toBe(200);
    // The old key is kept: what it signed still plays.
    expect(await plays(old.playback.hls)).toBe(200);

    // Before the longest token could have expired, the next rotation leaves the old key alone.
    const early = await rotateAt(switchedAt + (TOKEN_TTL_MAX - 10) * 1000);
    expect(early.ok).toBe(true);
    expect(early.kinds[0]).toMatchObject({ outcome: "skipped" });
    expect(early.kinds[0]?.error).toMatch(
      /still signs tokens valid until .*: its key is deleted by the first rotation after that$/,
    );
    expect(await plays(old.playback.hls)).toBe(200);

    // Once it is due, the rotation regenerates that slot: the old key is deleted, its tokens refused.
    const due = await rotateAt(switchedAt + (TOKEN_TTL_MAX + 1) * 1000);
    expect(due.kinds[0]).toMatchObject({ kind: "playback-keys", outcome: "rotated" });
    expect(stack.local.emulator.stores.stream.signingKeys.get(oldKid!)).toBeUndefined();
    expect((await fetch(old.playback.hls)).status).toBe(401);
    const newest = await api.streamPlaybackToken({ channel: "members", ttl: 60 });
    expect(await plays(newest.playback.hls)).toBe(200);
    // The key of the first rotation is now the one kept for its tokens.
    expect(await plays(fresh.playback.hls)).toBe(200);
  });

  // Rotations here run with a clock past the retirement window of the one before, so that each is
  // carried out rather than skipped while the key switched away from still signs live tokens.
  let clock = Date.now() + 10 * (TOKEN_TTL_MAX + 1) * 1000;
  it.each([
    { step: "regenerate", phase: "configured" },
    { step: "regenerate", phase: "applied" },
    { step: "switch", phase: "configured" },
    { step: "switch", phase: "applied" },
    { step: "verify", phase: "begun" },
  ] as const)(
    "killed at $step ($phase): a re-run finishes the rotation, and the Worker signs with a key Stream plays",
    { timeout: 120_000 },
    async (at) => {
      clock += (TOKEN_TTL_MAX + 1) * 1000;
      const options = {
        kinds: ["playback-keys" as const],
        period: `playback-killed-${at.step}-${at.phase}`,
        dryRun: false,
        force: false,
        verify: stackVerifier({ timeoutMs: 10_000, mediaProbes: false }),
        progress: silentProgress,
        now: () => clock,
      };
      const journal = Journal.fileFor(stack.stateDir, "dev");
      // A kill leaves on disk what was there at that moment: the journal is frozen then, and put back.
      let frozen: string | undefined;
      const interrupted = await rotate(stack.driver, {
        ...options,
        checkpoint: ({ kind, step, phase }: Checkpoint) => {
          if (kind !== "playback-keys" || step !== at.step || phase !== at.phase) return;
          frozen = readFileSync(journal, "utf8");
          throw new Error(`killed at ${step} (${phase})`);
        },
      });
      expect(interrupted.ok).toBe(false);
      writeFileSync(journal, frozen!);

      const rerun = await rotate(stack.driver, options);
      expect(rerun.kinds[0]).toMatchObject({ kind: "playback-keys", outcome: "rotated", resumed: true });
      expect(engineState(stack.local).pendingDeletes).toEqual([]);
      const token = await api.streamPlaybackToken({ channel: "members", ttl: 60 });
      const kid = JSON.parse(Buffer.from(token.token!.split(".")[0]!, "base64url").toString()).kid;
      expect(kid).toBe(workerBinding(stack.local, "PLAYBACK_KEY_ID"));
      expect(stack.local.emulator.stores.stream.signingKeys.get(kid)).toBeDefined();
      expect(await plays(token.playback.hls)).toBe(200);
    },
  );
});
