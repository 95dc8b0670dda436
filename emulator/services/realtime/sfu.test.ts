import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  newSessionResponse,
  realtimeError,
  renegotiateResponse,
  sessionState,
  tracksCloseResponse,
  tracksNewResponse,
} from "../../../contracts/cloudflare/realtime.ts";
import { EmulatorAdmin } from "../../admin-client.ts";
import { type RunningEmulator, startEmulator } from "../../server.ts";
import { parseMediaSections } from "./sdp.ts";
import { BROWSER_OFFER, createSfuApp, realtimeFetch } from "./testing.ts";

let emu: RunningEmulator;
let admin: EmulatorAdmin;
let rtc: ReturnType<typeof realtimeFetch>;
let app: { id: string; secret: string };

beforeAll(async () => {
  emu = await startEmulator();
  admin = new EmulatorAdmin(emu.url, emu.adminToken);
  rtc = realtimeFetch(emu);
});
afterAll(() => emu.close());
beforeEach(async () => {
  await admin.reset();
  app = await createSfuApp(emu);
});

const call = (path: string, body?: unknown, method = "POST") =>
  rtc(`/apps/${app.id}${path}`, app.secret, { method, ...(body === undefined ? {} : { body }) });

async function newSession(): Promise<string> {
  const res = await call("/sessions/new");
  expect(res.status).toBe(201);
  return newSessionResponse.parse(await res.json()).sessionId;
}

const offer = { type: "offer", sdp: BROWSER_OFFER } as const;

async function publish(sessionId: string) {
  const res = await call(`/sessions/${sessionId}/tracks/new`, {
    sessionDescription: offer,
    tracks: [
      { location: "local", mid: "0", trackName: "mic" },
      { location: "local", mid: "1", trackName: "cam" },
    ],
  });
  expect(res.status).toBe(200);
  return tracksNewResponse.parse(await res.json());
}

async function pull(sessionId: string, tracks: object[]) {
  const res = await call(`/sessions/${sessionId}/tracks/new`, { tracks });
  expect(res.status).toBe(200);
  return tracksNewResponse.parse(await res.json());
}

async function expectRealtimeError(res: Response, status: number, errorCode: string) {
  expect(res.status).toBe(status);
  expect(realtimeError.parse(await res.json()).errorCode).toBe(errorCode);
}

/** What a browser answers to the SFU's offer: the same mids, directions mirrored. */
const answerTo = (sdp: string) => ({
  type: "answer",
  sdp: sdp.replace(/a=setup:actpass/g, "a=setup:active").replace(/a=sendonly/g, "a=recvonly"),
});

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
    const other = await createSfuApp(emu);
    const path = `/apps/${app.id}/sessions/new`;
    await expectRealtimeError(await rtc(path, undefined), 401, "unauthorized");
    await expectRealtimeError(await rtc(path, other.secret), 401, "unauthorized");
    await expectRealtimeError(await rtc(path, emu.adminToken), 401, "unauthorized");
    await expectRealtimeError(
      await rtc(`/apps/${"0".repeat(32)}/sessions/new`, app.secret),
      404,
      "not_found",
    );
    await expectRealtimeError(await rtc("/apps/__proto__/sessions/new", app.secret), 404, "not_found");
  });

  it("publishes tracks: a well-formed answer section for section, no renegotiation", async () => {
    const sessionId = await newSession();
    const published = await publish(sessionId);
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
      { mid: "2", kind: "application", direction: "sendrecv" },
    ]);
    for (const line of [
      /^a=ice-ufrag:\S{8}$/m,
      /^a=ice-pwd:\S{24}$/m,
      /^a=fingerprint:sha-256 /m,
      /^a=setup:passive$/m,
    ]) {
      expect(answer.sdp).toMatch(line);
    }

    const state = sessionState.parse(await (await call(`/sessions/${sessionId}`, undefined, "GET")).json());
    expect(state.tracks).toEqual([
      { location: "local", mid: "0", trackName: "mic", kind: "audio", status: "active" },
      { location: "local", mid: "1", trackName: "cam", kind: "video", status: "active" },
    ]);
    expect(state.dataChannels).toEqual([]);
  });

  it("pulls another session's tracks: an offer, then the client's answer through renegotiate", async () => {
    const publisher = await newSession();
    await publish(publisher);
    const viewer = await newSession();
    const pulled = await pull(viewer, [
      { location: "remote", sessionId: publisher, trackName: "cam" },
      { location: "remote", sessionId: publisher, trackName: "mic" },
    ]);
    expect(pulled.requiresImmediateRenegotiation).toBe(true);
    expect(pulled.tracks.map((t) => [t.mid, t.trackName, t.sessionId, t.errorCode])).toEqual([
      ["0", "cam", publisher, undefined],
      ["1", "mic", publisher, undefined],
    ]);
    const sfuOffer = pulled.sessionDescription!;
    expect(sfuOffer.type).toBe("offer");
    expect(parseMediaSections(sfuOffer.sdp)).toEqual([
      { mid: "0", kind: "video", direction: "sendonly" },
      { mid: "1", kind: "audio", direction: "sendonly" },
    ]);
    expect(sfuOffer.sdp).toContain(`a=msid:${publisher} cam`);
    expect(sfuOffer.sdp).toMatch(/^a=setup:actpass$/m);

    const pending = sessionState.parse(await (await call(`/sessions/${viewer}`, undefined, "GET")).json());
    expect(pending.tracks.map((t) => t.status)).toEqual(["inactive", "inactive"]);

    const renegotiated = await call(
      `/sessions/${viewer}/renegotiate`,
      { sessionDescription: answerTo(sfuOffer.sdp) },
      "PUT",
    );
    expect(renegotiated.status).toBe(200);
    expect(renegotiateResponse.parse(await renegotiated.json())).toEqual({});
    const active = sessionState.parse(await (await call(`/sessions/${viewer}`, undefined, "GET")).json());
    expect(active.tracks).toEqual([
      {
        location: "remote",
        mid: "0",
        trackName: "cam",
        sessionId: publisher,
        kind: "video",
        status: "active",
      },
      {
        location: "remote",
        mid: "1",
        trackName: "mic",
        sessionId: publisher,
        kind: "audio",
        status: "active",
      },
    ]);

    // A later pull keeps the mids already negotiated and adds a section after them.
    const second = await newSession();
    await call(`/sessions/${second}/tracks/new`, {
      sessionDescription: offer,
      tracks: [{ location: "local", mid: "0", trackName: "screen" }],
    });
    const more = await pull(viewer, [{ location: "remote", sessionId: second, trackName: "screen" }]);
    expect(parseMediaSections(more.sessionDescription!.sdp).map((s) => s.mid)).toEqual(["0", "1", "2"]);
  });

  it("reports per-item errors with HTTP 200", async () => {
    const publisher = await newSession();
    await publish(publisher);
    const viewer = await newSession();
    const missing = await pull(viewer, [
      { location: "remote", sessionId: publisher, trackName: "nope" },
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

    const again = await call(`/sessions/${publisher}/tracks/new`, {
      sessionDescription: offer,
      tracks: [
        { location: "local", mid: "0", trackName: "mic" },
        { location: "local", mid: "7", trackName: "other" },
        { location: "local", mid: "1" },
      ],
    });
    expect(tracksNewResponse.parse(await again.json()).tracks.map((t) => t.errorCode)).toEqual([
      "repeated_local_track_error",
      "not_found_track_error",
      "empty_track_error",
    ]);

    const otherApp = await createSfuApp(emu);
    const foreign = newSessionResponse.parse(
      await (await rtc(`/apps/${otherApp.id}/sessions/new`, otherApp.secret)).json(),
    ).sessionId;
    const crossApp = await pull(viewer, [{ location: "remote", sessionId: foreign, trackName: "cam" }]);
    expect(crossApp.tracks[0]?.errorCode).toBe("not_found_track_error");
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
    await expectRealtimeError(
      await call(
        `/sessions/${sessionId}/renegotiate`,
        { sessionDescription: answerTo(BROWSER_OFFER) },
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
    const state = sessionState.parse(await (await call(`/sessions/${sessionId}`, undefined, "GET")).json());
    expect(state.tracks).toEqual([]);
  });

  it("closes tracks: item errors for unknown mids, an answer when the client sends an offer", async () => {
    const sessionId = await newSession();
    await publish(sessionId);
    const res = await call(
      `/sessions/${sessionId}/tracks/close`,
      { tracks: [{ mid: "1" }, { mid: "9" }], force: false, sessionDescription: offer },
      "PUT",
    );
    expect(res.status).toBe(200);
    const closed = tracksCloseResponse.parse(await res.json());
    expect(closed.tracks).toEqual([
      { mid: "1" },
      { mid: "9", errorCode: "close_track_error", errorDescription: "no open track on mid 9" },
    ]);
    expect(closed.requiresImmediateRenegotiation).toBe(false);
    expect(closed.sessionDescription?.type).toBe("answer");

    const forced = await call(
      `/sessions/${sessionId}/tracks/close`,
      { tracks: [{ mid: "1" }], force: true },
      "PUT",
    );
    expect(tracksCloseResponse.parse(await forced.json()).tracks[0]?.errorCode).toBe("close_track_error");
    const state = sessionState.parse(await (await call(`/sessions/${sessionId}`, undefined, "GET")).json());
    expect(state.tracks.map((t) => [t.trackName, t.status])).toEqual([
      ["mic", "active"],
      ["cam", "inactive"],
    ]);
    const viewer = await newSession();
    const pulled = await pull(viewer, [{ location: "remote", sessionId, trackName: "cam" }]);
    expect(pulled.tracks[0]?.errorCode).toBe("not_found_track_error");
  });

  it("answers 404 for unknown sessions and 410 session_error once a session is closed", async () => {
    await expectRealtimeError(await call(`/sessions/${"0".repeat(32)}`, undefined, "GET"), 404, "not_found");
    const sessionId = await newSession();
    const otherApp = await createSfuApp(emu);
    await expectRealtimeError(
      await rtc(`/apps/${otherApp.id}/sessions/${sessionId}`, otherApp.secret, { method: "GET" }),
      404,
      "not_found",
    );

    emu.stores.realtime.closeSession(sessionId);
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
