import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { apiFailure, apiSuccess } from "#contracts/api/envelope.ts";
import { channelStatus, playbackTokenData } from "#contracts/api/stream.ts";
import { callAs, emulatorAdmin, fixture } from "../../test/support/api.ts";
import { createApp } from "../app.ts";
import { STATUS_REFRESH_MS } from "../durable/status-snapshot.ts";

const uid = (channel: string, tenant = "acme") => fixture().liveInputs[tenant]![channel]!;
const playbackToken = (body: unknown, tenant = "acme") =>
  callAs(tenant, "/api/stream/playback-token", { method: "POST", body });
const lifecycle = (hls: string) => fetch(hls.replace(/\/manifest\/video\.m3u8$/, "/lifecycle"));

afterEach(() => {
  vi.useRealTimers();
});

describe("POST /api/stream/playback-token", () => {
  it("signs a private channel's token, which the delivery host plays in place of the refused uid", async () => {
    const before = Date.now();
    const res = await playbackToken({ channel: "private" });
    expect(res.status, res.text).toBe(200);
    const { data } = apiSuccess(playbackTokenData).parse(res.json);
    expect(data).toMatchObject({ channel: "private", live_input_id: uid("private"), signed: true });
    const token = data.token!;
    const base = `${fixture().tenants.playbackBase}/${token}`;
    expect(data.playback).toEqual({
      hls: `${base}/manifest/video.m3u8`,
      dash: `${base}/manifest/video.mpd`,
      whep: `${base}/webRTC/play`,
      thumbnail: `${base}/thumbnails/thumbnail.jpg`,
    });
    const lifetime = Date.parse(data.expires_at!) - before;
    expect(lifetime).toBeGreaterThan(3_598_000);
    expect(lifetime).toBeLessThanOrEqual(3_601_000);
    const [header, payload] = token
      .split(".")
      .slice(0, 2)
      .map((part) => JSON.parse(atob(part.replace(/-/g, "+").replace(/_/g, "/"))));
    expect(header).toEqual({ alg: "RS256", kid: fixture().bindings.PLAYBACK_KEY_ID });
    expect(payload).toEqual({
      sub: uid("private"),
      exp: Date.parse(data.expires_at!) / 1000,
      kid: header.kid,
    });

    expect((await lifecycle(data.playback.hls)).status).toBe(200);
    const plain = `${fixture().tenants.playbackBase}/${uid("private")}/manifest/video.m3u8`;
    expect((await lifecycle(plain)).status).toBe(401);
  });

  it("answers the same token to asks for the same channel and lifetime within one second, and another in the next", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Math.ceil(Date.now() / 1000) * 1000 + 200);
    const tokenOf = async (body: unknown) =>
      apiSuccess(playbackTokenData).parse((await playbackToken(body)).json).data.token;
    const first = await tokenOf({ channel: "private", ttl: 600 });
    expect(await tokenOf({ channel: "private", ttl: 600 })).toBe(first);
    expect(await tokenOf({ channel: "watched-private", ttl: 600 })).not.toBe(first);
    expect(await tokenOf({ channel: "private", ttl: 601 })).not.toBe(first);
    vi.setSystemTime(Date.now() + 1_000);
    expect(await tokenOf({ channel: "private", ttl: 600 })).not.toBe(first);
  });

  it("answers a public channel's plain URLs, with no token", async () => {
    const res = await playbackToken({ channel: "main", ttl: 120 });
    const { data } = apiSuccess(playbackTokenData).parse(res.json);
    expect(data).toMatchObject({ signed: false, token: null, expires_at: null });
    expect(data.playback.hls).toBe(`${fixture().tenants.playbackBase}/${uid("main")}/manifest/video.m3u8`);
  });

  it("writes access rules into the token, which the delivery host applies", async () => {
    const res = await playbackToken({
      channel: "private",
      ttl: 60,
      access_rules: [{ type: "ip.src", action: "block", ip: ["127.0.0.0/8", "::1/128"] }],
    });
    const { data } = apiSuccess(playbackTokenData).parse(res.json);
    expect((await lifecycle(data.playback.hls)).status).toBe(401);
  });

  it("400s a ttl outside 60..86400, above the stack's maximum, six access rules, or a rule Cloudflare does not have", async () => {
    const bodies = [
      { channel: "private", ttl: 59 },
      { channel: "private", ttl: 86_401 },
      {
        channel: "private",
        access_rules: Array.from({ length: 6 }, () => ({ type: "any", action: "allow" })),
      },
      { channel: "private", access_rules: [{ type: "ip.asn", action: "block", asn: [1] }] },
      { channel: "private", access_rules: [{ type: "ip.geoip.country", action: "allow", country: ["gb"] }] },
    ];
    for (const body of bodies) {
      const res = await playbackToken(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(apiFailure.parse(res.json).error.code).toBe("invalid_request");
    }
    const capped = {
      app: createApp(),
      env: { ...env, PLAYBACK_TOKEN_TTL_MAX: "600", PLAYBACK_TOKEN_TTL_DEFAULT: "300" },
    };
    const res = await callAs("acme", "/api/stream/playback-token", {
      method: "POST",
      body: { channel: "private", ttl: 601 },
      app: capped,
    });
    expect(res.status).toBe(400);
    expect(apiFailure.parse(res.json).error.message).toContain("at most 600");
  });

  it("404s another tenant's channel as if it did not exist", async () => {
    const res = await playbackToken({ channel: "private" }, "globex");
    expect(res.status).toBe(404);
    expect(apiFailure.parse(res.json).error.code).toBe("channel_not_found");
  });

  it("404s a channel the tenant lacks before spending the user's credentials", async () => {
    // Tenant `tiny` may mint 2 credentials a minute per user (worker/test/global-setup.ts) and has
    // no channels: were the 404s counted, the third would be a 429.
    for (let i = 0; i < 3; i++) {
      const res = await playbackToken({ channel: "mistyped", user_id: "retrying-viewer" }, "tiny");
      expect(apiFailure.parse(res.json).error.code).toBe("channel_not_found");
    }
  });

  it("503s naming the missing key when the Worker has no playback key", async () => {
    const unkeyed = { app: createApp(), env: { ...env, PLAYBACK_KEY_JWK: "" } };
    const res = await callAs("acme", "/api/stream/playback-token", {
      method: "POST",
      body: { channel: "private" },
      app: unkeyed,
    });
    expect(res.status).toBe(503);
    expect(apiFailure.parse(res.json).error.message).toContain("PLAYBACK_KEY_JWK");
  });
});

describe("a private channel's status", () => {
  it("says the channel is signed, and a public one's says it is not, so that a client knows to ask for a token", async () => {
    const signed = async (channel: string) =>
      apiSuccess(channelStatus).parse((await callAs("acme", `/api/stream/status?channel=${channel}`)).json)
        .data.signed;
    expect(await signed("private")).toBe(true);
    expect(await signed("main")).toBe(false);
  });

  it("is read from the delivery host's lifecycle through a token the holder signs, never the bare uid", async () => {
    const status = async () =>
      apiSuccess(channelStatus).parse((await callAs("acme", "/api/stream/status?channel=private")).json).data;
    vi.useFakeTimers({ toFake: ["Date"] });
    expect((await status()).connected).toBe(false);
    await emulatorAdmin("POST", `/live_inputs/${uid("private")}/status`, { state: "connected" });
    const since = Math.max(
      0,
      ...(await emulatorAdmin<{ seq: number }[]>("GET", "/requests")).map((r) => r.seq),
    );
    vi.advanceTimersByTime(STATUS_REFRESH_MS + 1_000);
    expect((await status()).connected).toBe(true);
    const lifecycles = await emulatorAdmin<{ path: string; status: number }[]>(
      "GET",
      `/requests?since=${since}&path=lifecycle`,
    );
    expect(lifecycles.length).toBeGreaterThan(0);
    for (const request of lifecycles) {
      expect(request.path).not.toContain(uid("private"));
      expect(request.status).toBe(200);
    }
    await emulatorAdmin("POST", `/live_inputs/${uid("private")}/status`, { state: null });
  });
});
