import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { cfSuccess } from "#contracts/cloudflare/envelope.ts";
import { type LiveInput, liveInput, liveInputOutput } from "#contracts/cloudflare/stream.ts";
import { toolPath } from "#local-engine/system-tools.ts";
import { type RunningEmulator, startEmulator } from "../../../server.ts";
import { accountFetch, jsonInit } from "../../../testing.ts";
import { ffmpegBroadcast, probeCodecs, type TestBroadcast } from "../testing.ts";
import { relayTarget } from "./relays.ts";

const FFMPEG = toolPath("ffmpeg")!;
const FFPROBE = FFMPEG.replace(/ffmpeg$/, "ffprobe");

let emu: RunningEmulator;
let api: ReturnType<typeof accountFetch>;
const running: TestBroadcast[] = [];

beforeAll(async () => {
  emu = await startEmulator({ media: { ffmpeg: FFMPEG } });
  api = accountFetch(emu);
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((b) => b.stop()));
});
afterAll(async () => {
  await emu?.close();
});

const createInput = async () =>
  cfSuccess(liveInput).parse(
    await (await api("/stream/live_inputs", jsonInit("POST", { recording: { mode: "automatic" } }))).json(),
  ).result;
const status = async (uid: string) =>
  cfSuccess(liveInput).parse(await (await api(`/stream/live_inputs/${uid}`)).json()).result.status;

async function addOutput(from: LiveInput, to: LiveInput, enabled = true) {
  const body = { url: emu.media!.rtmpServers().rtmp, streamKey: to.rtmps.streamKey, enabled };
  const res = await api(`/stream/live_inputs/${from.uid}/outputs`, jsonInit("POST", body));
  return cfSuccess(liveInputOutput).parse(await res.json()).result;
}
const setEnabled = (from: LiveInput, output: string, enabled: boolean) =>
  api(`/stream/live_inputs/${from.uid}/outputs/${output}`, jsonInit("PUT", { enabled }));

async function broadcastTo(input: LiveInput) {
  const b = ffmpegBroadcast(FFMPEG, `${emu.media!.rtmpServers().rtmp}${input.rtmps.streamKey}`);
  running.push(b);
  await expect.poll(() => status(input.uid), { timeout: 15_000 }).toBe("connected");
  return b;
}

describe("restream outputs with real media (docs/reference/cloudflare-api.md §1.8)", () => {
  it("forwards a live broadcast to an enabled output; disabling stops it, enabling while live starts it, deleting stops it", async () => {
    const [source, target] = [await createInput(), await createInput()];
    const output = await addOutput(source, target);
    await broadcastTo(source);
    await expect.poll(() => status(target.uid), { timeout: 15_000 }).toBe("connected");
    // The target plays what the source sends, unchanged.
    expect(
      await probeCodecs(FFPROBE, `${target.rtmpsPlayback.url}${target.rtmpsPlayback.streamKey}`),
    ).toEqual(["aac", "h264"]);
    expect(emu.media!.forwardingOutputs()).toEqual([output.uid]);

    await setEnabled(source, output.uid, false);
    await expect.poll(() => status(target.uid), { timeout: 15_000 }).toBe("client_disconnect");
    expect(emu.media!.forwardingOutputs()).toEqual([]);
    expect(await status(source.uid)).toBe("connected");

    await setEnabled(source, output.uid, true);
    await expect.poll(() => status(target.uid), { timeout: 15_000 }).toBe("connected");

    await api(`/stream/live_inputs/${source.uid}/outputs/${output.uid}`, { method: "DELETE" });
    await expect.poll(() => status(target.uid), { timeout: 15_000 }).toBe("client_disconnect");
  });

  it("forwards nothing while the input is idle or the output disabled, and stops with the broadcast", async () => {
    const [source, target] = [await createInput(), await createInput()];
    const disabled = await addOutput(source, await createInput(), false);
    await addOutput(source, target);
    expect(emu.media!.forwardingOutputs()).toEqual([]);
    const broadcast = await broadcastTo(source);
    await expect.poll(() => status(target.uid), { timeout: 15_000 }).toBe("connected");
    expect(emu.media!.forwardingOutputs()).not.toContain(disabled.uid);
    await broadcast.stop();
    await expect.poll(() => status(target.uid), { timeout: 15_000 }).toBe("client_disconnect");
    expect(emu.media!.forwardingOutputs()).toEqual([]);
  });
});

describe("relay targets", () => {
  it("appends the stream key to an RTMP(S) URL, and passes it as the SRT streamid (a guess) unless the URL sets one", () => {
    const streamKey = randomBytes(8).toString("hex");
    expect(relayTarget({ url: "rtmps://a.rtmps.youtube.com/live2/", streamKey })).toEqual({
      url: `rtmps://a.rtmps.youtube.com/live2/${streamKey}`,
      format: "flv",
    });
    expect(relayTarget({ url: "srt://srt.example.com:9000", streamKey })).toEqual({
      url: `srt://srt.example.com:9000?streamid=${streamKey}`,
      format: "mpegts",
    });
    expect(relayTarget({ url: "srt://srt.example.com:9000?streamid=own", streamKey }).url).toBe(
      "srt://srt.example.com:9000?streamid=own",
    );
  });
});
