import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { apiFailure, apiSuccess } from "#contracts/api/envelope.ts";
import { sfuSessionData } from "#contracts/api/realtime.ts";
import {
  renegotiateResponse,
  sessionState,
  tracksCloseResponse,
  tracksNewResponse,
} from "#contracts/cloudflare/realtime.ts";
import type { LoggedRequest } from "#emulator/core/request-log.ts";
import { call, callAs, emulatorAdmin, fixture } from "../../test/support/api.ts";
import { answerTo, PUBLISH_OFFER } from "../../test/support/sdp.ts";
import { type Room, roomOf } from "../durable/room.ts";

async function newSession(tenant: string, room = "room-1", user = "alice") {
  const res = await callAs(tenant, "/api/realtime/sfu", {
    method: "POST",
    body: { room_id: room, user_id: user, user_name: "Alice Ågren" },
  });
  expect(res.status).toBe(201);
  return apiSuccess(sfuSessionData).parse(res.json).data;
}

/** A call on the session proxy with a session token. */
const proxy = (tenant: string, token: string, path: string, method = "GET", body?: unknown) =>
  call(`/api/realtime/sfu/sessions/${path}`, { tenant, bearer: token, method, body });

describe("POST /api/realtime/sfu", () => {
  it("creates a Realtime session with a token, the room socket URL and the app id", async () => {
    const before = Date.now();
    const session = await newSession("acme");
    expect(session.session_id).toMatch(/^[0-9a-f]{32}$/);
    expect(session.room_id).toBe("room-1");
    expect(session.ws_url).toBe("ws://worker.test/api/realtime/rooms/room-1/ws");
    expect(session.app_id).toBe(fixture().bindings.SFU_APP_ID);
    const expiresIn = Date.parse(session.expires_at) - before;
    expect(expiresIn).toBeGreaterThan(3_500_000);
    expect(expiresIn).toBeLessThanOrEqual(3_601_000);
    expect(session.expires_in).toBe(3600);
  });

  it("400s bad room ids, user ids and names, naming the field", async () => {
    const bad = [
      [{ user_id: "u", user_name: "n" }, "room_id"],
      [{ room_id: "r/1", user_id: "u", user_name: "n" }, "room_id"],
      [{ room_id: "r", user_id: "", user_name: "n" }, "user_id"],
      [{ room_id: "r", user_id: "u", user_name: "bell\u0007" }, "user_name"],
      [{ room_id: "r", user_id: "u", user_name: "x".repeat(129) }, "user_name"],
    ] as const;
    for (const [body, field] of bad) {
      const res = await callAs("acme", "/api/realtime/sfu", { method: "POST", body });
      expect(res.status).toBe(400);
      expect(apiFailure.parse(res.json).error.message).toContain(field);
    }
  });
});

const PUBLISH_CAM = {
  sessionDescription: PUBLISH_OFFER,
  tracks: [{ location: "local", mid: "0", trackName: "cam" }],
};
const pullCam = (sessionId: string) => ({
  tracks: [{ location: "remote", sessionId, trackName: "cam" }],
});

describe("pulling remote tracks through the session proxy", () => {
  /** The emulator's request log (the admin client's `requests`, from inside workerd). */
  const upstreamRequests = (query = "") => emulatorAdmin<LoggedRequest[]>("GET", `/requests${query}`);
  const lastSeq = async () => Math.max(0, ...(await upstreamRequests()).map((r) => r.seq));

  it("pulls from a session of the same room, published before its publisher connected the room socket", async () => {
    const publisher = await newSession("acme", "pull-same", "alice");
    const viewer = await newSession("acme", "pull-same", "bob");
    await proxy("acme", publisher.token, `${publisher.session_id}/tracks/new`, "POST", PUBLISH_CAM);
    const res = await proxy(
      "acme",
      viewer.token,
      `${viewer.session_id}/tracks/new`,
      "POST",
      pullCam(publisher.session_id),
    );
    expect(res.status).toBe(200);
    expect(apiSuccess(tracksNewResponse).parse(res.json).data.tracks[0]?.errorCode).toBeUndefined();
  });

  it("403s sessions of another room or another tenant, and sends nothing to Realtime", async () => {
    const publisher = await newSession("acme", "pull-guarded", "alice");
    await proxy("acme", publisher.token, `${publisher.session_id}/tracks/new`, "POST", PUBLISH_CAM);
    const otherRoom = await newSession("acme", "pull-elsewhere", "mallory");
    const otherTenant = await newSession("globex", "pull-guarded", "mallory");
    const since = await lastSeq();

    for (const [tenant, intruder] of [
      ["acme", otherRoom],
      ["globex", otherTenant],
    ] as const) {
      const res = await proxy(
        tenant,
        intruder.token,
        `${intruder.session_id}/tracks/new`,
        "POST",
        pullCam(publisher.session_id),
      );
      expect(res.status).toBe(403);
      const { error } = apiFailure.parse(res.json);
      expect(error.code).toBe("forbidden");
      expect(error.message).toContain(`sessions of room ${intruder.room_id}`);
      expect(error.details).toEqual({ session_ids: [publisher.session_id] });
    }
    const sent = await upstreamRequests(`?path=/tracks/new&since=${since}`);
    expect(sent).toEqual([]);
  });

  it("lets only the caller tenant's own origins read a 403 of the handler, which names the caller's room", async () => {
    const publisher = await newSession("acme", "pull-cors", "alice");
    const intruder = await newSession("globex", "pull-cors", "mallory");
    // The refusal comes after auth, so CORS follows the tenant, not the rule for auth refusals.
    const pull = (origin: string) =>
      call(`/api/realtime/sfu/sessions/${intruder.session_id}/tracks/new`, {
        tenant: "globex",
        bearer: intruder.token,
        method: "POST",
        body: pullCam(publisher.session_id),
        headers: { origin },
      });
    const [own, other] = [await pull("https://globex.test"), await pull("https://app.acme.test")];
    expect([own.status, other.status]).toEqual([403, 403]);
    expect(own.headers.get("access-control-allow-origin")).toBe("https://globex.test");
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("403s a request that mixes a same-room session with a foreign one", async () => {
    const publisher = await newSession("acme", "pull-mixed", "alice");
    const viewer = await newSession("acme", "pull-mixed", "bob");
    const foreign = await newSession("globex", "pull-mixed", "carol");
    const res = await proxy("acme", viewer.token, `${viewer.session_id}/tracks/new`, "POST", {
      tracks: [...pullCam(publisher.session_id).tracks, ...pullCam(foreign.session_id).tracks],
    });
    expect(res.status).toBe(403);
    expect(apiFailure.parse(res.json).error.details).toEqual({ session_ids: [foreign.session_id] });
  });
});

describe("the room's minted sessions", () => {
  it("count until their token expires, and the sweep then forgets them", async () => {
    await runInDurableObject(roomOf(env, "acme", "minted"), async (room: Room, state) => {
      const now = Date.now();
      await room.recordSession("live", now + 60_000);
      await room.recordSession("lapsed", now - 1);
      expect(await room.foreignSessions(["live", "lapsed", "never"])).toEqual(["lapsed", "never"]);
      // As when the alarm set for the lapsed session fires.
      await state.storage.deleteAlarm();
      await room.sweep(now);
      expect(await room.foreignSessions(["live", "lapsed"])).toEqual(["lapsed"]);
      expect(await state.storage.getAlarm()).toBe(now + 60_000);
      // Recorded sessions are written together shortly after; the lapsed one never is.
      await vi.waitFor(
        async () =>
          expect([...(await state.storage.list({ prefix: "session:" })).keys()]).toEqual(["session:live"]),
        { timeout: 5_000 },
      );
    });
  });
});

describe("the session proxy", () => {
  it("publishes, pulls, renegotiates, reads and closes tracks through Realtime with the session's token", async () => {
    const publisher = await newSession("acme", "room-2", "alice");
    const published = await proxy("acme", publisher.token, `${publisher.session_id}/tracks/new`, "POST", {
      sessionDescription: PUBLISH_OFFER,
      tracks: [
        { location: "local", mid: "0", trackName: "mic" },
        { location: "local", mid: "1", trackName: "cam" },
      ],
    });
    expect(published.status).toBe(200);
    expect(apiSuccess(tracksNewResponse).parse(published.json).data.sessionDescription?.type).toBe("answer");

    const viewer = await newSession("acme", "room-2", "bob");
    const pulled = apiSuccess(tracksNewResponse).parse(
      (
        await proxy("acme", viewer.token, `${viewer.session_id}/tracks/new`, "POST", {
          tracks: [{ location: "remote", sessionId: publisher.session_id, trackName: "cam" }],
        })
      ).json,
    ).data;
    expect(pulled.requiresImmediateRenegotiation).toBe(true);
    const renegotiated = await proxy("acme", viewer.token, `${viewer.session_id}/renegotiate`, "PUT", {
      sessionDescription: answerTo(pulled.sessionDescription!.sdp),
    });
    expect(apiSuccess(renegotiateResponse).parse(renegotiated.json).data).toEqual({});

    const state = apiSuccess(sessionState).parse(
      (await proxy("acme", viewer.token, viewer.session_id)).json,
    ).data;
    expect(state.tracks.map((t) => [t.trackName, t.status])).toEqual([["cam", "active"]]);

    const closed = await proxy("acme", viewer.token, `${viewer.session_id}/tracks/close`, "PUT", {
      tracks: [{ mid: pulled.tracks[0]!.mid! }],
      force: true,
    });
    expect(apiSuccess(tracksCloseResponse).parse(closed.json).data.tracks[0]?.errorCode).toBeUndefined();
  });

  it("refuses another session's token and another tenant's header with 403, the tenant key and a forged token with 401", async () => {
    const mine = await newSession("acme");
    const other = await newSession("acme", "room-1", "bob");
    const foreign = await newSession("globex");
    const forbidden = [
      await proxy("acme", other.token, mine.session_id),
      await proxy("acme", foreign.token, mine.session_id),
      await proxy("globex", mine.token, mine.session_id),
    ];
    for (const res of forbidden) {
      expect(res.status).toBe(403);
      expect(apiFailure.parse(res.json).error.code).toBe("forbidden");
    }
    const invalid = [
      await callAs("acme", `/api/realtime/sfu/sessions/${mine.session_id}`),
      await proxy("acme", `${mine.token.slice(0, -2)}AA`, mine.session_id),
    ];
    for (const res of invalid) {
      expect(res.status).toBe(401);
      expect(apiFailure.parse(res.json).error.code).toBe("invalid_credential");
    }
    const anonymous = await call(`/api/realtime/sfu/sessions/${mine.session_id}`);
    expect(anonymous.status).toBe(401);
  });

  it("passes Realtime's refusal of a bad request through as a 4xx with its error code", async () => {
    const session = await newSession("acme");
    const res = await proxy("acme", session.token, `${session.session_id}/tracks/new`, "POST", {
      tracks: [{ location: "local", mid: "0", trackName: "mic" }],
    });
    expect(res.status).toBe(400);
    const { error } = apiFailure.parse(res.json);
    expect(error.code).toBe("upstream_rejected");
    expect(error.details).toMatchObject({ upstream: "sfu", upstream_code: "invalid_params" });
  });

  it("400s a body that breaks the Realtime contract before calling it", async () => {
    const session = await newSession("acme");
    const res = await proxy("acme", session.token, `${session.session_id}/tracks/close`, "PUT", {
      tracks: [],
    });
    expect(res.status).toBe(400);
    expect(apiFailure.parse(res.json).error.message).toMatch(/tracks|force/);
  });
});
