import { createSocket } from "node:dgram";
import { describe, expect, it } from "vitest";
import { PictureLossIndication, type RTCRtpTransceiver, RtcpPayloadSpecificFeedback } from "werift";
import { dataChannelsNewResponse, tracksNewResponse } from "#contracts/cloudflare/realtime.ts";
import { EmulatorAdmin } from "../../admin-client.ts";
import { startEmulator } from "../../server.ts";
import { CONNECT_TIMEOUT_MS, TRACK_TIMEOUT_MS } from "../media/sfu/plane.ts";
import { describeLocally } from "../media/webrtc/peer.ts";
import {
  BROWSER_OFFER,
  createSfuApp,
  expectRealtimeError,
  SfuTestClient,
  type sfuAppFetch,
  useSfu,
} from "./testing.ts";

/**
 * The media the SFU carries, between werift peers: keyframe requests, the track timeout, the
 * connect wait and DataChannels. Cloudflare's timings are shortened here (30 s and 5 s by default).
 */
const TRACK_TIMEOUT = 600;
const CONNECT_TIMEOUT = 400;

const { ctx, client, state } = useSfu({
  sfu: { trackTimeoutMs: TRACK_TIMEOUT, connectTimeoutMs: CONNECT_TIMEOUT },
});
const call: ReturnType<typeof sfuAppFetch> = (...args) => ctx.call(...args);

/** A connected publisher of `cam`, and a connected viewer that pulled it. */
async function publisherAndViewer() {
  const pub = await client();
  await pub.publish([
    { trackName: "cam", kind: "video" },
    { trackName: "mic", kind: "audio" },
  ]);
  expect(await pub.connected()).toBe(true);
  const viewer = await client();
  const pulled = await viewer.pull([
    { sessionId: pub.sessionId, trackName: "cam" },
    { sessionId: pub.sessionId, trackName: "mic" },
  ]);
  expect(await viewer.connected()).toBe(true);
  return { pub, viewer, camMid: pulled.tracks[0]!.mid!, micMid: pulled.tracks[1]!.mid! };
}

describe("keyframe requests", () => {
  it("asks the publisher for a keyframe when a subscriber connects, and relays each PLI of the subscriber", async () => {
    const pub = await client();
    await pub.publish([{ trackName: "cam", kind: "video" }]);
    let plis = 0;
    pub.published.get("cam")!.transceiver.sender.onPictureLossIndication.subscribe(() => plis++);
    expect(await pub.connected()).toBe(true);
    expect(plis).toBe(0);

    const viewer = await client();
    const pulled = await viewer.pull([{ sessionId: pub.sessionId, trackName: "cam" }]);
    expect(await viewer.connected()).toBe(true);
    await expect.poll(() => plis).toBe(1);

    const receiver = viewer.pc.getTransceivers().find((t) => t.mid === pulled.tracks[0]!.mid)!.receiver;
    const ssrc = receiver.tracks[0]!.ssrc!;
    await receiver.sendRtcpPLI(ssrc);
    await expect.poll(() => plis).toBe(2);
    await receiver.sendRtcpPLI(ssrc);
    await expect.poll(() => plis).toBe(3);
  });

  it("relays a PLI sent as browsers send it: from the SSRC of the track the subscriber itself publishes", async () => {
    const pub = await client();
    await pub.publish([{ trackName: "cam", kind: "video" }]);
    let plis = 0;
    pub.published.get("cam")!.transceiver.sender.onPictureLossIndication.subscribe(() => plis++);
    const viewer = await client();
    await viewer.publish([{ trackName: "own-cam", kind: "video" }]);
    expect(await viewer.connected()).toBe(true);
    const pulled = await viewer.pull([{ sessionId: pub.sessionId, trackName: "cam" }]);
    await expect.poll(() => plis).toBe(1);

    // Chrome puts its first sending SSRC in every RTCP packet it sends on the connection.
    const own = viewer.published.get("own-cam")!.transceiver.sender;
    const pulledSsrc = viewer.pc.getTransceivers().find((t) => t.mid === pulled.tracks[0]!.mid)!.receiver
      .tracks[0]!.ssrc!;
    await own.dtlsTransport.sendRtcp([
      new RtcpPayloadSpecificFeedback({
        feedback: new PictureLossIndication({ senderSsrc: own.ssrc, mediaSsrc: pulledSsrc }),
      }),
    ]);
    await expect.poll(() => plis).toBe(2);
  });
});

describe("the track timeout", () => {
  it("is Cloudflare's 30 s unless the emulator is told otherwise, and the connect wait 5 s", () => {
    expect([TRACK_TIMEOUT_MS, CONNECT_TIMEOUT_MS]).toEqual([30_000, 5_000]);
  });

  it("removes a published track that gets no media, and its pulls with it; a track with media stays", async () => {
    const { pub, viewer, micMid } = await publisherAndViewer();
    const mic = viewer.received(micMid);
    const heard: string[] = [];
    const gone: string[] = [];
    const stopHearing = ctx.emu.stores.sfuMedia.onTrackTimeout((track) => heard.push(track.sessionId));
    ctx.emu.stores.sfuMedia.onTrackTimeout((track) => gone.push(track.sessionId))();
    // Audio every 50 ms for twice the timeout; the camera sends nothing.
    await pub.send("mic", (2 * TRACK_TIMEOUT) / 50, 50);
    stopHearing();
    expect(mic.length).toBeGreaterThan(0);
    // Only the camera timed out; a listener that unsubscribed heard nothing.
    expect([heard, gone]).toEqual([[pub.sessionId], []]);

    expect((await state(pub.sessionId)).tracks.map((t) => [t.trackName, t.status])).toEqual([
      ["cam", "inactive"],
      ["mic", "active"],
    ]);
    expect((await state(viewer.sessionId)).tracks.map((t) => [t.trackName, t.status])).toEqual([
      ["cam", "inactive"],
      ["mic", "active"],
    ]);
    const late = await client();
    const res = await call(`/sessions/${late.sessionId}/tracks/new`, {
      tracks: [
        { location: "remote", sessionId: pub.sessionId, trackName: "cam" },
        { location: "remote", sessionId: pub.sessionId, trackName: "mic" },
      ],
    });
    expect(tracksNewResponse.parse(await res.json()).tracks.map((t) => t.errorCode)).toEqual([
      "not_found_track_error",
      undefined,
    ]);
  });
});

describe("the connect wait", () => {
  it("answers 425 session_error when a negotiated session does not connect in time", async () => {
    const sessionId = (await (await call("/sessions/new")).json()).sessionId as string;
    // A well-formed offer from nobody: it negotiates, but no client ever connects.
    const published = await call(`/sessions/${sessionId}/tracks/new`, {
      sessionDescription: { type: "offer", sdp: BROWSER_OFFER },
      tracks: [{ location: "local", mid: "1", trackName: "cam" }],
    });
    expect(published.status).toBe(200);
    const started = performance.now();
    await expectRealtimeError(
      await call(`/sessions/${sessionId}/tracks/new`, {
        sessionDescription: { type: "offer", sdp: BROWSER_OFFER },
        tracks: [{ location: "local", mid: "0", trackName: "mic" }],
      }),
      425,
      "session_error",
    );
    expect(performance.now() - started).toBeGreaterThanOrEqual(CONNECT_TIMEOUT - 50);
    await expectRealtimeError(
      await call(`/sessions/${sessionId}/datachannels/new`, {
        dataChannels: [{ location: "local", dataChannelName: "chat" }],
      }),
      425,
      "session_error",
    );
    expect((await state(sessionId)).tracks.map((t) => t.trackName)).toEqual(["cam"]);
  });

  it("waits for a connection that comes up within it", async () => {
    const pub = await client();
    await pub.publish([{ trackName: "cam", kind: "video" }]);
    // No wait for the connection here: the next operation waits for it.
    const more = await pub.publish([{ trackName: "mic", kind: "audio" }]);
    expect(more.tracks.map((t) => t.errorCode)).toEqual([undefined]);
  });
});

describe("pulling on a media section of the client's own offer", () => {
  it("answers it and sends the pulled track on that mid", async () => {
    const pub = await client();
    await pub.publish([{ trackName: "cam", kind: "video" }]);
    expect(await pub.connected()).toBe(true);
    const viewer = await client();
    const transceiver: RTCRtpTransceiver = viewer.pc.addTransceiver("video", { direction: "recvonly" });
    const offer = await describeLocally(viewer.pc, viewer.pc.createOffer());
    const res = await call(`/sessions/${viewer.sessionId}/tracks/new`, {
      sessionDescription: offer,
      tracks: [{ location: "remote", mid: transceiver.mid, sessionId: pub.sessionId, trackName: "cam" }],
    });
    const answered = tracksNewResponse.parse(await res.json());
    expect(answered.requiresImmediateRenegotiation).toBe(false);
    expect(answered.sessionDescription?.type).toBe("answer");
    expect(answered.tracks).toEqual([
      { location: "remote", mid: transceiver.mid, sessionId: pub.sessionId, trackName: "cam" },
    ]);
    const packets: number[] = [];
    transceiver.onTrack.subscribe((t) =>
      t.onReceiveRtp.subscribe((rtp) => packets.push(rtp.header.sequenceNumber)),
    );
    await viewer.pc.setRemoteDescription(answered.sessionDescription!);
    expect(await viewer.connected()).toBe(true);
    expect((await state(viewer.sessionId)).tracks.map((t) => t.status)).toEqual(["active"]);
    await pub.send("cam", 10, 5, 500);
    await expect.poll(() => packets.length).toBe(10);
  });
});

describe("DataChannels", () => {
  it("relays a publisher's messages to each session that pulled the channel, on its own negotiated id", async () => {
    const pub = await client({ dataChannels: true });
    const viewers = [await client({ dataChannels: true }), await client({ dataChannels: true })];
    for (const c of [pub, ...viewers]) expect(await c.connected()).toBe(true);

    const published = await pub.dataChannels([
      { location: "local", dataChannelName: "chat" },
      { location: "local", dataChannelName: "state", ordered: false, maxRetransmits: 0 },
    ]);
    expect(published.status).toBe(200);
    const pubChannels = dataChannelsNewResponse.parse(published.body).dataChannels;
    expect(
      pubChannels.map(({ location, dataChannelName, errorCode }) => [location, dataChannelName, errorCode]),
    ).toEqual([
      ["local", "chat", undefined],
      ["local", "state", undefined],
    ]);
    const [chatId, stateId] = pubChannels.map((c) => c.id!) as [number, number];
    expect(new Set([chatId, stateId]).size).toBe(2);
    const sending = {
      chat: pub.pc.createDataChannel("chat", { negotiated: true, id: chatId }),
      state: pub.pc.createDataChannel("state", {
        negotiated: true,
        id: stateId,
        ordered: false,
        maxRetransmits: 0,
      }),
    };
    expect(ctx.emu.stores.sfuMedia.channel(pub.sessionId, stateId!)?.delivery).toEqual({
      ordered: false,
      maxRetransmits: 0,
    });

    const received = await Promise.all(
      viewers.map(async (viewer) => {
        const pulled = await viewer.dataChannels([
          { location: "remote", sessionId: pub.sessionId, dataChannelName: "chat" },
          {
            location: "remote",
            sessionId: pub.sessionId,
            dataChannelName: "state",
            ordered: false,
            maxRetransmits: 0,
          },
        ]);
        expect(pulled.status).toBe(200);
        const [chat, stateChannel] = dataChannelsNewResponse.parse(pulled.body).dataChannels;
        expect(chat).toMatchObject({ location: "remote", sessionId: pub.sessionId, dataChannelName: "chat" });
        const messages: string[] = [];
        for (const [name, item, options] of [
          ["chat", chat!, {}],
          ["state", stateChannel!, { ordered: false, maxRetransmits: 0 }],
        ] as const) {
          const channel = viewer.pc.createDataChannel(name, { negotiated: true, id: item.id!, ...options });
          channel.onMessage.subscribe((data) => messages.push(`${name}:${data.toString()}`));
          await expect.poll(() => channel.readyState).toBe("open");
        }
        return messages;
      }),
    );
    await expect.poll(() => sending.chat.readyState).toBe("open");
    sending.chat.send("hello");
    sending.state.send(Buffer.from("x=1"));
    for (const messages of received)
      await expect.poll(() => [...messages].sort()).toEqual(["chat:hello", "state:x=1"]);

    const pubState = await state(pub.sessionId);
    expect(pubState.dataChannels).toEqual([
      { location: "local", dataChannelName: "chat", id: chatId, status: "active" },
      { location: "local", dataChannelName: "state", id: stateId, status: "active" },
    ]);
    expect(
      (await state(viewers[0]!.sessionId)).dataChannels.map((c) => [
        c.sessionId,
        c.dataChannelName,
        c.status,
      ]),
    ).toEqual([
      [pub.sessionId, "chat", "active"],
      [pub.sessionId, "state", "active"],
    ]);
  });

  it("reports per-item errors, and refuses requests it cannot take whole", async () => {
    const pub = await client({ dataChannels: true });
    expect(await pub.connected()).toBe(true);
    await pub.dataChannels([{ location: "local", dataChannelName: "chat" }]);
    const again = await pub.dataChannels([{ location: "local", dataChannelName: "chat" }]);
    expect(dataChannelsNewResponse.parse(again.body).dataChannels[0]?.errorCode).toBe(
      "repeated_local_track_error",
    );

    const viewer = await client({ dataChannels: true });
    expect(await viewer.connected()).toBe(true);
    const missing = await viewer.dataChannels([
      { location: "remote", sessionId: pub.sessionId, dataChannelName: "nope" },
      { location: "remote", sessionId: "f".repeat(32), dataChannelName: "chat" },
      { location: "remote", sessionId: pub.sessionId, dataChannelName: "chat" },
      { location: "remote", sessionId: pub.sessionId, dataChannelName: "chat" },
    ]);
    expect(missing.status).toBe(200);
    expect(dataChannelsNewResponse.parse(missing.body).dataChannels.map((c) => c.errorCode)).toEqual([
      "not_found_track_error",
      "not_found_track_error",
      undefined,
      "repeated_local_track_error",
    ]);

    const refused = async (body: unknown, status: number, code: string) =>
      expectRealtimeError(await call(`/sessions/${viewer.sessionId}/datachannels/new`, body), status, code);
    await refused({ dataChannels: [] }, 400, "invalid_params");
    await refused({ dataChannels: [{ dataChannelName: "x" }] }, 400, "invalid_params");
    await refused({ dataChannels: [{ location: "local" }] }, 400, "invalid_params");
    await refused({ dataChannels: [{ location: "remote", dataChannelName: "chat" }] }, 400, "invalid_params");
    await refused(
      {
        dataChannels: [
          { location: "local", dataChannelName: "x", maxRetransmits: 1, maxPacketLifeTime: 100 },
        ],
      },
      400,
      "invalid_params",
    );
    await refused(
      {
        dataChannels: [
          { location: "local", dataChannelName: "x" },
          { location: "remote", sessionId: pub.sessionId, dataChannelName: "chat" },
        ],
      },
      400,
      "invalid_params",
    );
    await refused(
      {
        dataChannels: [
          { location: "remote", sessionId: pub.sessionId, dataChannelName: "chat", waitForAck: true },
        ],
      },
      400,
      "invalid_params",
    );

    // A session whose connection has no SCTP association cannot carry them.
    const media = await client();
    await media.publish([{ trackName: "cam", kind: "video" }]);
    expect(await media.connected()).toBe(true);
    const noTransport = await media.dataChannels([{ location: "local", dataChannelName: "chat" }]);
    expect(noTransport.status).toBe(400);
    expect((await state(viewer.sessionId)).dataChannels.map((c) => c.dataChannelName)).toEqual(["chat"]);
  });
});

describe("the drop_media fault (the SFU not forwarding)", () => {
  const admin = () => new EmulatorAdmin(ctx.emu.url, ctx.emu.adminToken);
  const sequenceNumbers = (packets: { header: { sequenceNumber: number } }[]) =>
    packets.map((p) => p.header.sequenceNumber);

  it("drops the RTP of the app's tracks while the API answers as usual; another app's media flows; removed, forwarding resumes", async () => {
    const { pub, viewer, camMid } = await publisherAndViewer();
    const rule = await admin().addFault({
      path: `/v1/apps/${ctx.app.id}/**`,
      action: { type: "drop_media" },
    });
    const cam = viewer.received(camMid);
    await pub.send("cam", 20);

    const other = await createSfuApp(ctx.emu);
    const [otherPub, otherViewer] = await Promise.all([
      SfuTestClient.create(ctx.emu, other),
      SfuTestClient.create(ctx.emu, other),
    ]);
    try {
      await otherPub.publish([{ trackName: "cam", kind: "video" }]);
      expect(await otherPub.connected()).toBe(true);
      const pulled = await otherViewer.pull([{ sessionId: otherPub.sessionId, trackName: "cam" }]);
      expect(await otherViewer.connected()).toBe(true);
      const otherCam = otherViewer.received(pulled.tracks[0]!.mid!);
      await otherPub.send("cam", 10);
      await expect.poll(() => otherCam.length).toBe(10);
    } finally {
      await Promise.all([otherPub.close(), otherViewer.close()]);
    }

    // Every packet of the app reached the SFU and was dropped; the camera stays active, as the API says.
    expect(cam).toEqual([]);
    expect((await admin().faults()).find((f) => f.id === rule.id)?.fired).toBe(20);
    expect((await state(viewer.sessionId)).tracks.find((t) => t.trackName === "cam")?.status).toBe("active");

    await admin().removeFault(rule.id);
    await pub.send("cam", 10, 5, 100);
    await expect.poll(() => sequenceNumbers(cam)).toEqual(Array.from({ length: 10 }, (_, i) => 100 + i));
  });

  it("drops `count` packets of one publishing session, then retires; no HTTP request is faulted by it", async () => {
    const { pub, viewer, camMid } = await publisherAndViewer();
    await admin().addFault({
      path: `/v1/apps/*/sessions/${pub.sessionId}`,
      count: 5,
      action: { type: "drop_media" },
    });
    const cam = viewer.received(camMid);
    await pub.send("cam", 20, 5, 1);
    await expect.poll(() => sequenceNumbers(cam)).toEqual(Array.from({ length: 15 }, (_, i) => 6 + i));
    const res = await call(`/sessions/${pub.sessionId}`, undefined, "GET");
    expect(res.status).toBe(200);
    expect(res.headers.get("x-emulator-fault")).toBeNull();
  });

  it("is refused with an HTTP method: it applies to media", async () => {
    await expect(
      admin().addFault({ method: "POST", path: "/v1/apps/**", action: { type: "drop_media" } }),
    ).rejects.toThrow(/drop_media rule applies to media, not to an HTTP method/);
    expect(await admin().faults()).toEqual([]);
  });
});

describe("the emulator closing", () => {
  it("closes every peer connection and frees its socket", async () => {
    const own = await startEmulator();
    const ownApp = await createSfuApp(own);
    const c = await SfuTestClient.create(own, ownApp);
    const published = await c.publish([{ trackName: "cam", kind: "video" }]);
    expect(await c.connected()).toBe(true);
    const port = Number(/ 127\.0\.0\.1 (\d+) typ host/.exec(published.sessionDescription!.sdp)![1]);
    expect(await canBind(port)).toBe(false);
    await own.close();
    expect(await canBind(port)).toBe(true);
    await c.close();
  });
});

/** Whether a UDP socket can take this loopback port: not while the SFU's peer connection holds it. */
function canBind(port: number): Promise<boolean> {
  const socket = createSocket("udp4");
  return new Promise((resolve) => {
    socket.once("error", () => resolve(false));
    socket.bind(port, "127.0.0.1", () => socket.close(() => resolve(true)));
  });
}
