import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { MediaStreamTrack, RTCPeerConnection } from "werift";
import { cfSuccess } from "#contracts/cloudflare/envelope.ts";
import { type LiveInput, liveInput } from "#contracts/cloudflare/stream.ts";
import { toolPath } from "#local-engine/system-tools.ts";
import { EmulatorAdmin } from "../../admin-client.ts";
import { type RunningEmulator, startEmulator } from "../../server.ts";
import { accountFetch, jsonInit } from "../../testing.ts";
import { VIEWER_WINDOW_MS } from "./playback/audience.ts";
import { ffmpegArgs, ffmpegBroadcast, type TestBroadcast } from "./testing.ts";

const FFMPEG = toolPath("ffmpeg")!;
const FFPROBE = FFMPEG.replace(/ffmpeg$/, "ffprobe");
const OPENSSL = "/usr/bin/openssl";

let emu: RunningEmulator;
let admin: EmulatorAdmin;
let api: ReturnType<typeof accountFetch>;
const webhooks: { event: string; code?: string }[] = [];
const running: TestBroadcast[] = [];

beforeAll(async () => {
  emu = await startEmulator({
    media: { ffmpeg: FFMPEG, openssl: OPENSSL },
    fetch: async (_url, init) => {
      const body = JSON.parse(String(init?.body));
      webhooks.push({ event: body.data.event_type, code: body.data.live_input_errored?.error.code });
      return new Response(null, { status: 200 });
    },
  });
  admin = new EmulatorAdmin(emu.url, emu.adminToken);
  api = accountFetch(emu);
  const destination = await (
    await api(
      "/alerting/v3/destinations/webhooks",
      jsonInit("POST", { name: "t", url: "http://127.0.0.1:9/hook" }),
    )
  ).json();
  await api(
    "/alerting/v3/policies",
    jsonInit("POST", {
      name: "live",
      alert_type: "stream_live_notifications",
      enabled: true,
      mechanisms: { webhooks: [{ id: destination.result.id }] },
    }),
  );
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((b) => b.stop()));
});
afterAll(async () => {
  await emu?.close();
});

async function createInput(
  body: Record<string, unknown> = { recording: { mode: "automatic" } },
): Promise<LiveInput> {
  return cfSuccess(liveInput).parse(await (await api("/stream/live_inputs", jsonInit("POST", body))).json())
    .result;
}

const get = async (uid: string) =>
  cfSuccess(liveInput).parse(await (await api(`/stream/live_inputs/${uid}`)).json()).result;

function push(url: string, spec?: Parameters<typeof ffmpegBroadcast>[2]): TestBroadcast {
  const b = ffmpegBroadcast(FFMPEG, url, spec);
  running.push(b);
  return b;
}

const delivery = (input: LiveInput) => input.webRTCPlayback.url.replace(/\/webRTC\/play$/, "");

async function ffprobe(url: string): Promise<{ streams: { codec_name: string; codec_type: string }[] }> {
  const { stdout } = await promisify(execFile)(
    FFPROBE,
    ["-v", "error", "-show_streams", "-of", "json", url],
    { timeout: 20_000 },
  );
  return JSON.parse(stdout);
}

describe("RTMP and RTMPS ingest", () => {
  it("hands out the local server in rtmps.url and rtmpsPlayback.url", async () => {
    const input = await createInput();
    expect(input.rtmps.url).toMatch(/^rtmps:\/\/127\.0\.0\.1:\d+\/live\/$/);
    expect(input.rtmpsPlayback.url).toBe(input.rtmps.url);
    expect(input.srt.url).toMatch(/^srt:\/\/127\.0\.0\.1:\d+$/);
  });

  it("connects the input when media arrives over RTMPS, packages HLS and DASH, and disconnects when it stops", async () => {
    const input = await createInput();
    webhooks.length = 0;
    const broadcast = push(`${input.rtmps.url}${input.rtmps.streamKey}`);
    await expect.poll(async () => (await get(input.uid)).status, { timeout: 10_000 }).toBe("connected");
    const lifecycle = await (await fetch(`${delivery(input)}/lifecycle`)).json();
    expect(lifecycle).toMatchObject({ isInput: true, live: true });
    expect(lifecycle.videoUID).toMatch(/^[0-9a-f]{32}$/);

    // rtmpsPlayback plays the broadcast with the playback key; the stream key does not play.
    expect(
      (await ffprobe(`${input.rtmpsPlayback.url}${input.rtmpsPlayback.streamKey}`)).streams
        .map((s) => s.codec_name)
        .sort(),
    ).toEqual(["aac", "h264"]);
    await expect(ffprobe(`${input.rtmps.url}${input.rtmps.streamKey}`)).rejects.toThrow();

    const hls = `${delivery(input)}/manifest/video.m3u8`;
    await expect.poll(async () => (await fetch(hls)).status, { timeout: 15_000 }).toBe(200);
    const media = await (await fetch(hls)).text();
    expect(media).toContain("#EXT-X-TARGETDURATION:2");
    const segment = media.split("\n").find((l) => l.endsWith(".ts"))!;
    expect((await ffprobe(hls)).streams.map((s) => s.codec_name).sort()).toEqual(["aac", "h264"]);
    expect((await ffprobe(new URL(segment, hls).href)).streams.map((s) => s.codec_type).sort()).toEqual([
      "audio",
      "video",
    ]);
    const dash = `${delivery(input)}/manifest/video.mpd`;
    await expect.poll(async () => (await fetch(dash)).status, { timeout: 10_000 }).toBe(200);
    expect((await ffprobe(dash)).streams.map((s) => s.codec_name).sort()).toEqual(["aac", "h264"]);

    await broadcast.stop();
    await expect
      .poll(async () => (await get(input.uid)).status, { timeout: 10_000 })
      .toBe("client_disconnect");
    const after = await fetch(hls);
    expect(after.status).toBe(204);
    expect(await after.text()).toBe("");
    await admin.flushWebhooks();
    expect(webhooks.map((w) => w.event)).toEqual(["live_input.connected", "live_input.disconnected"]);
  });

  it("refuses a wrong stream key and a disabled input", async () => {
    const input = await createInput();
    const wrong = push(
      `${input.rtmps.url}${input.rtmps.streamKey.replace(/^./, (c) => (c === "0" ? "1" : "0"))}`,
    );
    expect(await wrong.exited).not.toBe(0);
    await api(`/stream/live_inputs/${input.uid}`, jsonInit("PUT", { enabled: false }));
    const disabled = push(`${input.rtmps.url}${input.rtmps.streamKey}`);
    expect(await disabled.exited).not.toBe(0);
    expect((await get(input.uid)).status).toBeNull();
  });

  it("drops the broadcaster on rotate_keys, and on disabling the input", async () => {
    const input = await createInput();
    const first = push(`${input.rtmps.url}${input.rtmps.streamKey}`);
    await expect.poll(async () => (await get(input.uid)).status, { timeout: 10_000 }).toBe("connected");
    const rotated = cfSuccess(liveInput).parse(
      await (await api(`/stream/live_inputs/${input.uid}/rotate_keys`, { method: "POST" })).json(),
    ).result;
    expect(await first.exited).not.toBe(0);
    expect((await get(input.uid)).status).toBe("client_disconnect");
    const stale = push(`${input.rtmps.url}${input.rtmps.streamKey}`);
    expect(await stale.exited).not.toBe(0);

    const second = push(`${rotated.rtmps.url}${rotated.rtmps.streamKey}`);
    await expect.poll(async () => (await get(input.uid)).status, { timeout: 10_000 }).toBe("connected");
    await api(`/stream/live_inputs/${input.uid}`, jsonInit("PUT", { enabled: false }));
    expect(await second.exited).not.toBe(0);
    expect((await get(input.uid)).status).toBe("client_disconnect");
  });

  it("errors the input with Cloudflare's code for a codec or keyframe interval outside its rules", async () => {
    const cases = [
      { spec: { video: "flv1" as const }, code: "ERR_UNSUPPORTED_VIDEO_CODEC" },
      { spec: { audio: "mp3" as const }, code: "ERR_UNSUPPORTED_AUDIO_CODEC" },
      { spec: { gopSeconds: 0.5 }, code: "ERR_GOP_OUT_OF_RANGE" },
    ];
    for (const { spec, code } of cases) {
      const input = await createInput();
      webhooks.length = 0;
      const broadcast = push(`${input.rtmps.url}${input.rtmps.streamKey}`, spec);
      expect(await broadcast.exited).not.toBe(0);
      expect((await get(input.uid)).status).toBe("failed_to_connect");
      await admin.flushWebhooks();
      expect(webhooks.filter((w) => w.event === "live_input.errored").map((w) => w.code)).toEqual([code]);
    }
  });

  it("answers 204 with no body for a manifest with no broadcast, and while an input that does not record is live", async () => {
    const idle = await createInput();
    for (const name of ["video.m3u8", "video.mpd"]) {
      const res = await fetch(`${delivery(idle)}/manifest/${name}`);
      expect(res.status).toBe(204);
      expect(await res.text()).toBe("");
    }
    const unrecorded = await createInput({});
    push(`${unrecorded.rtmps.url}${unrecorded.rtmps.streamKey}`);
    await expect.poll(async () => (await get(unrecorded.uid)).status, { timeout: 10_000 }).toBe("connected");
    expect((await fetch(`${delivery(unrecorded)}/manifest/video.m3u8`)).status).toBe(204);
  });
});

describe("SRT ingest", () => {
  it("connects the input for a caller with the passphrase, and refuses a wrong one", async () => {
    const input = await createInput();
    const url = (passphrase: string) =>
      `${input.srt.url}?streamid=${input.srt.streamId}&passphrase=${passphrase}`;
    const wrong = push(url("not-the-passphrase-0000"), { format: "mpegts", seconds: 5 });
    expect(await wrong.exited).not.toBe(0);
    expect((await get(input.uid)).status).toBeNull();
    const broadcast = push(url(input.srt.passphrase), { format: "mpegts" });
    await expect.poll(async () => (await get(input.uid)).status, { timeout: 15_000 }).toBe("connected");
    await broadcast.stop();
    await expect
      .poll(async () => (await get(input.uid)).status, { timeout: 15_000 })
      .toBe("client_disconnect");
  });
});

describe("SRT ingest from libsrt's own caller", () => {
  it("connects the input for srt-live-transmit with the passphrase", async () => {
    const input = await createInput();
    const caller = `${input.srt.url}?streamid=${input.srt.streamId}&passphrase=${input.srt.passphrase}`;
    // ffmpeg makes the MPEG-TS, srt-live-transmit (Debian's srt-tools) sends it in caller mode.
    const pipeline = spawn(
      "/bin/sh",
      [
        "-c",
        `"$0" "$@" | srt-live-transmit -q file://con "${caller}"`,
        FFMPEG,
        ...ffmpegArgs("-", { format: "mpegts" }),
      ],
      { stdio: "ignore", detached: true },
    );
    const exited = new Promise((resolve) => pipeline.once("close", resolve));
    try {
      await expect.poll(async () => (await get(input.uid)).status, { timeout: 15_000 }).toBe("connected");
    } finally {
      process.kill(-pipeline.pid!, "SIGTERM");
      await exited;
    }
    await expect
      .poll(async () => (await get(input.uid)).status, { timeout: 20_000 })
      .toBe("client_disconnect");
  });
});

describe("WHIP and WHEP endpoints", () => {
  const OFFER = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n";
  const post = (url: string, body: string, type = "application/sdp") =>
    fetch(url, { method: "POST", headers: { "content-type": type }, body });

  it("refuse what is not an SDP offer, unknown inputs and sessions, and a disabled input", async () => {
    const input = await createInput();
    expect((await post(input.webRTC.url, OFFER, "text/plain")).status).toBe(415);
    expect((await post(input.webRTC.url, "hello")).status).toBe(400);
    expect((await post(input.webRTC.url.replace(/\/[0-9a-f]+\/webRTC/, "/00/webRTC"), OFFER)).status).toBe(
      404,
    );
    const session = `${input.webRTC.url}/${"0".repeat(32)}`;
    expect((await fetch(session, { method: "DELETE" })).status).toBe(404);
    expect(
      (
        await fetch(session, {
          method: "PATCH",
          headers: { "content-type": "application/trickle-ice-sdpfrag" },
          body: "",
        })
      ).status,
    ).toBe(404);
    await api(`/stream/live_inputs/${input.uid}`, jsonInit("PUT", { enabled: false }));
    expect((await post(input.webRTC.url, OFFER)).status).toBe(403);
    expect((await get(input.uid)).status).toBeNull();
  });

  it("answer a WHIP offer with 201, Location and protocol-version, take trickled candidates, and end on DELETE", async () => {
    const input = await createInput();
    // werift as a WHIP client: a second WebRTC stack, not the one that serves the endpoint.
    const client = new RTCPeerConnection();
    client.addTransceiver(new MediaStreamTrack({ kind: "video" }), { direction: "sendonly" });
    try {
      await client.setLocalDescription(await client.createOffer());
      const res = await post(input.webRTC.url, client.localDescription!.sdp);
      expect(res.status).toBe(201);
      expect(res.headers.get("content-type")).toBe("application/sdp");
      expect(res.headers.get("protocol-version")).toBe("draft-ietf-wish-whip-06");
      const answer = await res.text();
      expect(answer).toMatch(/a=rtpmap:\d+ VP8\/90000/);
      expect(answer).toContain("a=ice-lite");
      expect(answer.match(/^a=candidate:.*$/gm)?.every((c) => c.split(" ")[4] === "127.0.0.1")).toBe(true);
      const session = new URL(res.headers.get("location")!, input.webRTC.url).href;
      expect(session).toMatch(/\/webRTC\/publish\/[0-9a-f]{32}$/);

      const ufrag = /^a=ice-ufrag:(.+)$/m.exec(client.localDescription!.sdp)![1]!.trim();
      const fragment = `a=ice-ufrag:${ufrag}\r\nm=video 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\na=candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host\r\n`;
      const patch = (body: string, type = "application/trickle-ice-sdpfrag") =>
        fetch(session, { method: "PATCH", headers: { "content-type": type }, body });
      expect((await patch(fragment)).status).toBe(204);
      expect((await patch(fragment, "application/sdp")).status).toBe(415);
      expect((await patch(fragment.replace(ufrag, "restart"))).status).toBe(501);
      // One broadcaster per input, as over RTMPS.
      expect((await post(input.webRTC.url, client.localDescription!.sdp)).status).toBe(409);

      expect((await fetch(session, { method: "DELETE" })).status).toBe(200);
      expect((await fetch(session, { method: "DELETE" })).status).toBe(404);
      // No media ever came: the input never connected.
      expect((await get(input.uid)).status).toBeNull();
    } finally {
      await client.close();
    }
  });

  it("play no WHEP without a WHIP broadcast, an RTMPS one included", async () => {
    const input = await createInput();
    expect((await post(input.webRTCPlayback.url, OFFER)).status).toBe(409);
    push(`${input.rtmps.url}${input.rtmps.streamKey}`);
    await expect.poll(async () => (await get(input.uid)).status, { timeout: 10_000 }).toBe("connected");
    const res = await post(input.webRTCPlayback.url, OFFER);
    expect(res.status).toBe(409);
    expect(await res.text()).toContain("RTMPS and SRT broadcasts play over HLS and DASH");
  });
});

describe("live viewer count", () => {
  /** An HLS player: ffmpeg reading the live playlist in real time, told apart by its user agent. */
  function hlsViewer(url: string, userAgent: string) {
    const child = spawn(
      FFMPEG,
      [
        "-hide_banner",
        "-loglevel",
        "error",
        "-nostdin",
        "-user_agent",
        userAgent,
        "-i",
        url,
        "-c",
        "copy",
        "-f",
        "null",
        "-",
      ],
      { stdio: "ignore" },
    );
    const exited = new Promise((resolve) => child.once("close", resolve));
    return {
      leave: () => {
        child.kill("SIGKILL");
        return exited;
      },
    };
  }
  const views = async (input: LiveInput) => {
    const answer = await fetch(`${delivery(input)}/views`);
    return { status: answer.status, body: answer.status === 200 ? await answer.json() : await answer.text() };
  };

  it("counts each real HLS player within the viewer window, and drops those who left", async () => {
    const input = await createInput();
    expect(await views(input)).toEqual({ status: 200, body: { liveViewers: 0 } });
    push(`${input.rtmps.url}${input.rtmps.streamKey}`);
    const hls = `${delivery(input)}/manifest/video.m3u8`;
    // The readiness check is the first player's own fetch, so that it counts as that one viewer.
    const ready = async () => (await fetch(hls, { headers: { "user-agent": "viewer-0" } })).status;
    await expect.poll(ready, { timeout: 15_000 }).toBe(200);
    const viewers = [0, 1, 2].map((i) => hlsViewer(hls, `viewer-${i}`));
    try {
      await expect
        .poll(async () => (await views(input)).body, { timeout: VIEWER_WINDOW_MS })
        .toEqual({ liveViewers: 3 });
      await viewers[0]!.leave();
      await viewers[1]!.leave();
      await expect
        .poll(async () => (await views(input)).body, { timeout: VIEWER_WINDOW_MS + 5_000 })
        .toEqual({ liveViewers: 1 });
    } finally {
      await Promise.all(viewers.map((v) => v.leave()));
    }
  });

  it("refuses the count of an input that hides it, and of a private input without a token", async () => {
    const hidden = await createInput({ recording: { mode: "automatic", hideLiveViewerCount: true } });
    expect(await views(hidden)).toEqual({
      status: 403,
      body: "The live viewer count of this input is hidden",
    });
    const signed = await createInput({ recording: { mode: "automatic", requireSignedURLs: true } });
    expect((await views(signed)).status).toBe(401);
  });
});

describe("live thumbnails", () => {
  async function probeImage(url: string): Promise<{ codec_name: string; width: number; height: number }> {
    const { stdout } = await promisify(execFile)(
      FFPROBE,
      ["-v", "error", "-show_streams", "-of", "json", url],
      { timeout: 20_000 },
    );
    return JSON.parse(stdout).streams[0];
  }

  it("serves a JPEG of the live broadcast at the requested size, for each fit", async () => {
    const input = await createInput();
    const thumbnail = `${delivery(input)}/thumbnails/thumbnail.jpg`;
    expect((await fetch(thumbnail)).status).toBe(404);
    push(`${input.rtmps.url}${input.rtmps.streamKey}`);
    await expect.poll(async () => (await fetch(thumbnail)).status, { timeout: 15_000 }).toBe(200);
    const answer = await fetch(`${thumbnail}?time=1s&width=320&height=180`);
    expect(answer.headers.get("content-type")).toBe("image/jpeg");
    // JPEG's start-of-image marker.
    expect(Buffer.from(await answer.arrayBuffer()).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    // The broadcast is 320x240 (4:3); 160x160 boxes it in a square.
    for (const [fit, width, height] of [
      ["crop", 160, 160],
      ["scale", 160, 160],
      ["fill", 160, 160],
      ["clip", 160, 120],
    ] as const) {
      expect(await probeImage(`${thumbnail}?width=160&height=160&fit=${fit}`)).toMatchObject({
        codec_name: "mjpeg",
        width,
        height,
      });
    }
    expect(await probeImage(thumbnail)).toMatchObject({ width: 640, height: 640 });
    const bad = await fetch(`${thumbnail}?width=0&fit=stretch`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toBe("Invalid thumbnail option: width, fit");
  });
});
