import { describe, expect, it } from "vitest";
import {
  newSessionResponse,
  renegotiateResponse,
  tracksCloseResponse,
  tracksNewResponse,
} from "#contracts/cloudflare/realtime.ts";
import { parseMediaSections } from "./sdp.ts";
import {
  BROWSER_OFFER,
  createSfuApp,
  expectRealtimeError,
  realtimeFetch,
  SfuTestClient,
  type sfuAppFetch,
  useSfu,
} from "./testing.ts";

const { ctx, client, state } = useSfu();
const rtc = (path: string, bearer: string | undefined, init?: { method?: string; body?: unknown }) =>
  realtimeFetch(ctx.emu)(path, bearer, init);
const call: ReturnType<typeof sfuAppFetch> = (...args) => ctx.call(...args);

async function newSession(): Promise<string> {
  const res = await call("/sessions/new");
  expect(res.status).toBe(201);
  return newSessionResponse.parse(await res.json()).sessionId;
}

const offer = { type: "offer", sdp: BROWSER_OFFER } as const;

async function pull(sessionId: string, tracks: object[]) {
  const res = await call(`/sessions/${sessionId}/tracks/new`, { tracks });
  expect(res.status).toBe(200);
  return tracksNewResponse.parse(await res.json());
}

/** A publisher connected to the SFU with a camera and a microphone. */
async function publisher() {
  const c = await client();
  const published = await c.publish([
    { trackName: "mic", kind: "audio" },
    { trackName: "cam", kind: "video" },
  ]);
  expect(await c.connected()).toBe(true);
  return { client: c, published };
}

describe("SFU sessions", () => {
  it("creates a session; older clients that send an offer with it get an answer", async () => {
    expect(await newSession()).toMatch(/^[0-9a-f]{32}$/);
    const res = await call("/sessions/new?thirdparty=false&correlationId=abc", { sessionDescription: offer });
    expect(res.status).toBe(201);
    const body = newSessionResponse.parse(await res.json());
    expect(body.sessionDescription?.type).toBe("answer");
    expect(parseMediaSections(body.sessionDescription!.sdp).map((s) => s.mid)).toEqual(["0", "1", "2"]);
  });

  it("wants the app's own secret as bearer", async () => {
    const other = await createSfuApp(ctx.emu);
    const path = `/apps/${ctx.app.id}/sessions/new`;
    await expectRealtimeError(await rtc(path, undefined), 401, "unauthorized");
    await expectRealtimeError(await rtc(path, other.secret), 401, "unauthorized");
    await expectRealtimeError(await rtc(path, ctx.emu.adminToken), 401, "unauthorized");
    await expectRealtimeError(
      await rtc(`/apps/${"0".repeat(32)}/sessions/new`, ctx.app.secret),
      404,
      "not_found",
    );
    await expectRealtimeError(await rtc("/apps/__proto__/sessions/new", ctx.app.secret), 404, "not_found");
  });

  it("publishes tracks: a real answer section for section, with the SFU's loopback candidate, no renegotiation", async () => {
    const { client: c, published } = await publisher();
    expect(published.requiresImmediateRenegotiation).toBe(false);
    expect(published.tracks.map((t) => [t.mid, t.trackName, t.errorCode])).toEqual([
      ["0", "mic", undefined],
      ["1", "cam", undefined],
    ]);
    const answer = published.sessionDescription!;
    expect(answer.type).toBe("answer");
    expect(parseMediaSections(answer.sdp)).toEqual([
      { mid: "0", kind: "audio", direction: "recvonly" },
      { mid: "1", kind: "video", direction: "recvonly" },
    ]);
    // ICE lite, as Cloudflare's edge; RFC 8839 lengths; the SFU waits as the DTLS server.
    for (const line of [
      /^a=ice-lite$/m,
      /^a=ice-ufrag:\S{4,}$/m,
      /^a=ice-pwd:\S{22,}$/m,
      /^a=fingerprint:sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}$/m,
      /^a=setup:passive$/m,
    ]) {
      expect(answer.sdp).toMatch(line);
    }
    const candidates = answer.sdp.match(/^a=candidate:.*$/gm) ?? [];
    expect(candidates.length).toBeGreaterThan(0);
    for (const candidate of candidates) expect(candidate).toMatch(/ udp \d+ 127\.0\.0\.1 \d+ typ host/);
    expect(c.pc.connectionState).toBe("connected");

    expect((await state(c.sessionId)).tracks).toEqual([
      { location: "local", mid: "0", trackName: "mic", kind: "audio", status: "active" },
      { location: "local", mid: "1", trackName: "cam", kind: "video", status: "active" },
    ]);
    expect((await state(c.sessionId)).dataChannels).toEqual([]);
  });

  it("pulls another session's tracks: an offer, the client's answer through renegotiate, then its RTP", async () => {
    const { client: pub } = await publisher();
    const viewer = await client();
    const res = await call(`/sessions/${viewer.sessionId}/tracks/new`, {
      tracks: [
        { location: "remote", sessionId: pub.sessionId, trackName: "cam" },
        { location: "remote", sessionId: pub.sessionId, trackName: "mic" },
      ],
    });
    const pulled = tracksNewResponse.parse(await res.json());
    expect(pulled.requiresImmediateRenegotiation).toBe(true);
    expect(pulled.tracks.map((t) => [t.mid, t.trackName, t.sessionId, t.errorCode])).toEqual([
      ["0", "cam", pub.sessionId, undefined],
      ["1", "mic", pub.sessionId, undefined],
    ]);
    const sfuOffer = pulled.sessionDescription!;
    expect(sfuOffer.type).toBe("offer");
    expect(parseMediaSections(sfuOffer.sdp)).toEqual([
      { mid: "0", kind: "video", direction: "sendonly" },
      { mid: "1", kind: "audio", direction: "sendonly" },
    ]);
    expect(sfuOffer.sdp).toContain(`a=msid:${pub.sessionId} cam`);
    expect(sfuOffer.sdp).toMatch(/^a=setup:actpass$/m);
    expect(sfuOffer.sdp).toMatch(/^a=group:BUNDLE 0 1$/m);
    expect((await state(viewer.sessionId)).tracks.map((t) => t.status)).toEqual(["inactive", "inactive"]);

    await viewer.pc.setRemoteDescription(sfuOffer);
    await viewer.pc.setLocalDescription(await viewer.pc.createAnswer());
    const renegotiated = await call(
      `/sessions/${viewer.sessionId}/renegotiate`,
      { sessionDescription: { type: "answer", sdp: viewer.pc.localDescription!.sdp } },
      "PUT",
    );
    expect(renegotiated.status).toBe(200);
    expect(renegotiateResponse.parse(await renegotiated.json())).toEqual({});
    expect((await state(viewer.sessionId)).tracks).toEqual([
      {
        location: "remote",
        mid: "0",
        trackName: "cam",
        sessionId: pub.sessionId,
        kind: "video",
        status: "active",
      },
      {
        location: "remote",
        mid: "1",
        trackName: "mic",
        sessionId: pub.sessionId,
        kind: "audio",
        status: "active",
      },
    ]);
    expect(await viewer.connected()).toBe(true);

    const cam = viewer.received("0");
    const mic = viewer.received("1");
    await Promise.all([pub.send("cam", 40, 5, 1000), pub.send("mic", 40, 5, 7000)]);
    await expect.poll(() => cam.length).toBe(40);
    await expect.poll(() => mic.length).toBe(40);
    expect(cam.map((p) => p.header.sequenceNumber)).toEqual(Array.from({ length: 40 }, (_, i) => 1000 + i));
    expect(cam[0]!.payload.toString()).toBe("packet 1000");
    expect(mic[39]!.payload.toString()).toBe("packet 7039");

    // A later pull keeps the mids already negotiated and adds a section after them.
    const second = await client();
    await second.publish([{ trackName: "screen", kind: "video" }]);
    expect(await second.connected()).toBe(true);
    const more = await viewer.pull([{ sessionId: second.sessionId, trackName: "screen" }]);
    expect(parseMediaSections(more.sessionDescription!.sdp).map((s) => s.mid)).toEqual(["0", "1", "2"]);
    const screen = viewer.received("2");
    await second.send("screen", 10);
    await expect.poll(() => screen.length).toBe(10);
  });

  it("reports per-item errors with HTTP 200", async () => {
    const { client: pub } = await publisher();
    const viewer = await newSession();
    const missing = await pull(viewer, [
      { location: "remote", sessionId: pub.sessionId, trackName: "nope" },
      { location: "remote", sessionId: "f".repeat(32), trackName: "cam" },
      { location: "remote", trackName: "cam" },
    ]);
    expect(missing.tracks.map((t) => t.errorCode)).toEqual([
      "not_found_track_error",
      "not_found_track_error",
      "empty_track_error",
    ]);
    expect(missing.requiresImmediateRenegotiation).toBe(false);
    expect(missing.sessionDescription).toBeUndefined();

    const again = await pub.publish([{ trackName: "mic", kind: "audio" }]);
    expect(again.tracks.map((t) => t.errorCode)).toEqual(["repeated_local_track_error"]);
    const more = await call(`/sessions/${pub.sessionId}/tracks/new`, {
      sessionDescription: { type: "offer", sdp: pub.pc.localDescription!.sdp },
      tracks: [
        { location: "local", mid: "7", trackName: "other" },
        { location: "local", mid: "1" },
      ],
    });
    expect(tracksNewResponse.parse(await more.json()).tracks.map((t) => t.errorCode)).toEqual([
      "not_found_track_error",
      "empty_track_error",
    ]);

    const otherApp = await createSfuApp(ctx.emu);
    const foreign = await SfuTestClient.create(ctx.emu, otherApp);
    await foreign.publish([{ trackName: "cam", kind: "video" }]);
    const crossApp = await pull(viewer, [
      { location: "remote", sessionId: foreign.sessionId, trackName: "cam" },
    ]);
    expect(crossApp.tracks[0]?.errorCode).toBe("not_found_track_error");
    await foreign.close();
  });

  it("refuses bad requests whole, changing nothing", async () => {
    const sessionId = await newSession();
    const tracksNew = (body: unknown) => call(`/sessions/${sessionId}/tracks/new`, body);
    await expectRealtimeError(await tracksNew("{"), 400, "decoding_error");
    await expectRealtimeError(await tracksNew({ tracks: [] }), 400, "invalid_params");
    await expectRealtimeError(
      await tracksNew({ tracks: [{ mid: "0", trackName: "x" }] }),
      400,
      "invalid_params",
    );
    await expectRealtimeError(
      await tracksNew({
        sessionDescription: offer,
        tracks: [
          { location: "local", mid: "0", trackName: "a" },
          { location: "remote", sessionId, trackName: "b" },
        ],
      }),
      400,
      "invalid_params",
    );
    await expectRealtimeError(
      await tracksNew({ tracks: [{ location: "local", mid: "0", trackName: "a" }] }),
      400,
      "invalid_params",
    );
    await expectRealtimeError(
      await tracksNew({
        sessionDescription: { type: "offer", sdp: "m=audio 9 RTP/AVP 0" },
        tracks: [{ location: "local", mid: "0", trackName: "a" }],
      }),
      400,
      "invalid_session_description",
    );
    // Well-formed, but nothing werift can negotiate: no codec the SFU takes.
    await expectRealtimeError(
      await tracksNew({
        sessionDescription: {
          type: "offer",
          sdp: BROWSER_OFFER.replace("a=rtpmap:96 VP8/90000", "a=rtpmap:96 THEORA/90000").replace(
            "a=rtpmap:111 opus/48000/2",
            "a=rtpmap:111 SPEEX/16000",
          ),
        },
        tracks: [{ location: "local", mid: "1", trackName: "a" }],
      }),
      400,
      "invalid_session_description",
    );
    await expectRealtimeError(
      await call(
        `/sessions/${sessionId}/renegotiate`,
        { sessionDescription: { type: "answer", sdp: BROWSER_OFFER } },
        "PUT",
      ),
      400,
      "invalid_session_description",
    );
    await expectRealtimeError(
      await call(`/sessions/${sessionId}/renegotiate`, { sessionDescription: offer }, "PUT"),
      400,
      "invalid_params",
    );
    await expectRealtimeError(
      await call(`/sessions/${sessionId}/tracks/close`, { tracks: [{ mid: "0" }] }, "PUT"),
      400,
      "invalid_params",
    );
    expect((await state(sessionId)).tracks).toEqual([]);
  });

  it("takes at most 64 tracks in one call, as Cloudflare documents", async () => {
    const c = await client();
    const tracks = Array.from({ length: 65 }, (_, i) => ({ trackName: `t${i}`, kind: "audio" as const }));
    for (const { kind } of tracks) c.pc.addTransceiver(kind, { direction: "sendonly" });
    await c.pc.setLocalDescription(await c.pc.createOffer());
    const items = c.pc
      .getTransceivers()
      .map((t, i) => ({ location: "local", mid: t.mid, trackName: `t${i}` }));
    const sessionDescription = { type: "offer", sdp: c.pc.localDescription!.sdp };
    const tooMany = await call(`/sessions/${c.sessionId}/tracks/new`, { sessionDescription, tracks: items });
    await expectRealtimeError(tooMany, 400, "invalid_params");
    expect((await state(c.sessionId)).tracks).toEqual([]);

    const res = await call(`/sessions/${c.sessionId}/tracks/new`, {
      sessionDescription,
      tracks: items.slice(0, 64),
    });
    expect(res.status).toBe(200);
    const published = tracksNewResponse.parse(await res.json());
    expect(published.tracks.filter((t) => !t.errorCode)).toHaveLength(64);
    expect((await state(c.sessionId)).tracks).toHaveLength(64);
  });

  it("answers 406 to a change while the SFU's offer awaits its answer", async () => {
    const { client: pub } = await publisher();
    const viewer = await newSession();
    const first = await pull(viewer, [{ location: "remote", sessionId: pub.sessionId, trackName: "cam" }]);
    expect(first.requiresImmediateRenegotiation).toBe(true);
    await expectRealtimeError(
      await call(`/sessions/${viewer}/tracks/new`, {
        tracks: [{ location: "remote", sessionId: pub.sessionId, trackName: "mic" }],
      }),
      406,
      "invalid_session_description",
    );
    expect((await state(viewer)).tracks.map((t) => t.trackName)).toEqual(["cam"]);
  });

  it("closes tracks: item errors for unknown mids, an answer when the client sends an offer", async () => {
    const { client: pub } = await publisher();
    const viewer = await client();
    const pulled = await viewer.pull([{ sessionId: pub.sessionId, trackName: "cam" }]);
    expect(await viewer.connected()).toBe(true);
    const cam = viewer.received(pulled.tracks[0]!.mid!);

    pub.published.get("cam")!.transceiver.setDirection("inactive");
    await pub.pc.setLocalDescription(await pub.pc.createOffer());
    const res = await call(
      `/sessions/${pub.sessionId}/tracks/close`,
      {
        tracks: [{ mid: "1" }, { mid: "9" }],
        force: false,
        sessionDescription: { type: "offer", sdp: pub.pc.localDescription!.sdp },
      },
      "PUT",
    );
    expect(res.status).toBe(200);
    const closed = tracksCloseResponse.parse(await res.json());
    expect(closed.tracks).toEqual([
      { mid: "1" },
      {
        mid: "9",
        errorCode: "close_track_error",
        errorDescription: "Track doesn't exist or was already closed",
      },
    ]);
    expect(closed.requiresImmediateRenegotiation).toBe(false);
    expect(closed.sessionDescription?.type).toBe("answer");
    await pub.pc.setRemoteDescription(closed.sessionDescription!);

    const forced = await call(
      `/sessions/${pub.sessionId}/tracks/close`,
      { tracks: [{ mid: "1" }], force: true },
      "PUT",
    );
    expect(tracksCloseResponse.parse(await forced.json()).tracks[0]?.errorCode).toBe("close_track_error");
    expect((await state(pub.sessionId)).tracks.map((t) => [t.trackName, t.status])).toEqual([
      ["mic", "active"],
      ["cam", "inactive"],
    ]);
    // The publication is gone: its pull goes inactive and gets nothing more; it cannot be pulled again.
    expect((await state(viewer.sessionId)).tracks.map((t) => [t.trackName, t.status])).toEqual([
      ["cam", "inactive"],
    ]);
    await pub.send("cam", 10);
    await new Promise((r) => setTimeout(r, 200));
    expect(cam).toEqual([]);
    const again = await pull(await newSession(), [
      { location: "remote", sessionId: pub.sessionId, trackName: "cam" },
    ]);
    expect(again.tracks[0]?.errorCode).toBe("not_found_track_error");
  });

  it("stops forwarding to a pulled track that is closed with force", async () => {
    const { client: pub } = await publisher();
    const viewer = await client();
    const pulled = await viewer.pull([
      { sessionId: pub.sessionId, trackName: "cam" },
      { sessionId: pub.sessionId, trackName: "mic" },
    ]);
    expect(await viewer.connected()).toBe(true);
    const [cam, mic] = [viewer.received(pulled.tracks[0]!.mid!), viewer.received(pulled.tracks[1]!.mid!)];
    const res = await call(
      `/sessions/${viewer.sessionId}/tracks/close`,
      { tracks: [{ mid: pulled.tracks[0]!.mid! }], force: true },
      "PUT",
    );
    expect(tracksCloseResponse.parse(await res.json())).toEqual({
      tracks: [{ mid: pulled.tracks[0]!.mid! }],
      requiresImmediateRenegotiation: false,
    });
    await Promise.all([pub.send("cam", 10), pub.send("mic", 10)]);
    await expect.poll(() => mic.length).toBe(10);
    expect(cam).toEqual([]);
    expect((await state(viewer.sessionId)).tracks.map((t) => [t.trackName, t.status])).toEqual([
      ["cam", "inactive"],
      ["mic", "active"],
    ]);
  });

  it("answers 404 for unknown sessions and 410 session_error once a session is closed", async () => {
    await expectRealtimeError(await call(`/sessions/${"0".repeat(32)}`, undefined, "GET"), 404, "not_found");
    const sessionId = await newSession();
    const otherApp = await createSfuApp(ctx.emu);
    await expectRealtimeError(
      await rtc(`/apps/${otherApp.id}/sessions/${sessionId}`, otherApp.secret, { method: "GET" }),
      404,
      "not_found",
    );

    ctx.emu.stores.realtime.closeSession(sessionId);
    await expectRealtimeError(await call(`/sessions/${sessionId}`, undefined, "GET"), 410, "session_error");
    await expectRealtimeError(
      await call(`/sessions/${sessionId}/tracks/new`, {
        tracks: [{ location: "remote", sessionId, trackName: "x" }],
      }),
      410,
      "session_error",
    );
    await expectRealtimeError(
      await call(`/sessions/${sessionId}/tracks/close`, { tracks: [{ mid: "0" }], force: true }, "PUT"),
      410,
      "session_error",
    );
  });
});
