import { afterEach, describe, expect, it, vi } from "vitest";
import { apiFailure, apiSuccess } from "#contracts/api/envelope.ts";
import { channelStatus, streamConnectData, tenantStreamStatus } from "#contracts/api/stream.ts";
import { callAs, emulatorAdmin, fixture } from "../../test/support/api.ts";
import { STALE_STATUS_MAX_MS, STATUS_REFRESH_MS } from "../durable/status-snapshot.ts";
import { UPSTREAM_DEADLINE_MS } from "../upstream/http.ts";

const uid = (channel: string, tenant = "acme") => fixture().liveInputs[tenant]![channel]!;
const upstreamGets = async (liveInputId: string) =>
  (await emulatorAdmin<unknown[]>("GET", `/requests?method=GET&path=${liveInputId}`)).length;
const faultIds: string[] = [];
const addFault = async (rule: object) =>
  faultIds.push((await emulatorAdmin<{ id: string }>("POST", "/faults", rule)).id);

afterEach(async () => {
  for (const id of faultIds.splice(0)) await emulatorAdmin("DELETE", `/faults/${id}`);
});

describe("GET /api/stream/status", () => {
  it("answers a channel's status with playback URLs", async () => {
    const res = await callAs("acme", "/api/stream/status?channel=main");
    expect(res.status).toBe(200);
    const { data } = apiSuccess(channelStatus).parse(res.json);
    expect(data).toMatchObject({
      channel: "main",
      live_input_id: uid("main"),
      connected: false,
      state: null,
      enabled: true,
    });
    expect(data.playback.hls).toBe(`${fixture().tenants.playbackBase}/${uid("main")}/manifest/video.m3u8`);
    expect(data.playback.whep).toMatch(/\/webRTC\/play$/);
    // The outputs the stack declares, from the map compiled into the Worker: no key, no query.
    expect(data.outputs).toEqual([
      { name: "youtube", url: "rtmps://a.rtmps.youtube.com/live2", enabled: true, stream_key: "********" },
      { name: "backup", url: "srt://srt.example.com:9000", enabled: false, stream_key: "********" },
    ]);
    expect(res.text).not.toContain("not-for-viewers");
  });

  it("reads `connected` from the observed object shape of status as well", async () => {
    await emulatorAdmin("POST", `/live_inputs/${uid("backup")}/status`, { state: "reconnected" });
    await emulatorAdmin("PATCH", "/config", { statusShape: "object" });
    try {
      const { data } = apiSuccess(channelStatus).parse(
        (await callAs("acme", "/api/stream/status?channel=backup")).json,
      );
      expect(data).toMatchObject({ connected: true, state: "reconnected" });
    } finally {
      await emulatorAdmin("PATCH", "/config", { statusShape: "string" });
    }
  });

  it("serves repeated and concurrent reads from one upstream GET per refresh interval", async () => {
    await addFault({
      method: "GET",
      path: `/client/v4/accounts/*/stream/live_inputs/${uid("slow")}`,
      action: { type: "latency", ms: 300 },
    });
    const before = await upstreamGets(uid("slow"));
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => callAs("acme", "/api/stream/status?channel=slow")),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(await upstreamGets(uid("slow"))).toBe(before + 1);
    await callAs("acme", "/api/stream/status?channel=slow");
    expect(await upstreamGets(uid("slow"))).toBe(before + 1);
  });

  it("404s a channel the tenant does not have, even when another tenant has it", async () => {
    const res = await callAs("globex", "/api/stream/status?channel=backup");
    expect(res.status).toBe(404);
    expect(apiFailure.parse(res.json).error.code).toBe("channel_not_found");
  });

  it("400s a malformed channel, naming the field", async () => {
    for (const query of ["?channel=", "?channel=a%20b", `?channel=${"x".repeat(65)}`]) {
      const res = await callAs("acme", `/api/stream/status${query}`);
      expect(res.status).toBe(400);
      const { error } = apiFailure.parse(res.json);
      expect(error.code).toBe("invalid_request");
      expect(error.message).toContain("channel");
    }
  });
});

/**
 * A channel never read before, so there is no last known status to fall back on: the failure is
 * the answer. A failed read is not tried again within the refresh interval, so each case has a
 * channel of its own.
 */
describe("GET /api/stream/status when Cloudflare fails and no status is known", () => {
  const liveInputPath = (channel: string) => `/client/v4/accounts/*/stream/live_inputs/${uid(channel)}`;
  const expectFailure = async (channel: string, status: number, code: string) => {
    const res = await callAs("acme", `/api/stream/status?channel=${channel}`);
    expect(res.status).toBe(status);
    expect(apiFailure.parse(res.json).error.code).toBe(code);
    return res;
  };

  it("500: retried (a GET is safe to repeat), then 502 upstream_error; not read again right away", async () => {
    await addFault({ method: "GET", path: liveInputPath("faulty"), action: { type: "status", status: 500 } });
    const before = await upstreamGets(uid("faulty"));
    await expectFailure("faulty", 502, "upstream_error");
    expect(await upstreamGets(uid("faulty"))).toBe(before + 3);
    await expectFailure("faulty", 502, "upstream_error");
    expect(await upstreamGets(uid("faulty"))).toBe(before + 3);
  });

  it("429 with a Retry-After past the deadline: 429 upstream_rate_limited with Retry-After", async () => {
    await addFault({
      method: "GET",
      path: liveInputPath("limited"),
      action: { type: "rate_limit", retryAfter: 30 },
    });
    const res = await expectFailure("limited", 429, "upstream_rate_limited");
    expect(res.headers.get("retry-after")).toBe("30");
  });

  it("malformed JSON: 502 upstream_invalid_response", async () => {
    await addFault({ method: "GET", path: liveInputPath("garbled"), action: { type: "malformed" } });
    await expectFailure("garbled", 502, "upstream_invalid_response");
  });

  it("no answer: 503 upstream_timeout at the deadline, not later", async () => {
    await addFault({ method: "GET", path: liveInputPath("hung"), action: { type: "hang", ms: 30_000 } });
    const startedAt = Date.now();
    await expectFailure("hung", 503, "upstream_timeout");
    expect(Date.now() - startedAt).toBeLessThan(UPSTREAM_DEADLINE_MS + 2_000);
  });
});

describe("the stream routes through an outage", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("serve the last known status and ingest details marked stale, for a bounded time, then recover", async () => {
    const status = async () => callAs("acme", "/api/stream/status?channel=outage");
    const connect = async () =>
      callAs("acme", "/api/stream/connect", { method: "POST", body: { channel: "outage" } });
    vi.useFakeTimers({ toFake: ["Date"] });
    const before = apiSuccess(channelStatus).parse((await status()).json).data;
    expect(before.stale).toBe(false);
    const ready = apiSuccess(streamConnectData).parse((await connect()).json).data;
    expect(ready).toMatchObject({ stale: false, note: null, reenabled: false });

    // Cloudflare stops answering: its API and Stream's delivery host hang past the deadline.
    await addFault({
      method: "GET",
      path: `/client/v4/accounts/*/stream/live_inputs/${uid("outage")}`,
      action: { type: "hang", ms: 30_000 },
    });
    await addFault({
      method: "GET",
      path: `/delivery/*/${uid("outage")}/lifecycle`,
      action: { type: "hang", ms: 30_000 },
    });
    vi.advanceTimersByTime(STATUS_REFRESH_MS + 1_000);
    const during = await status();
    expect(during.status).toBe(200);
    expect(apiSuccess(channelStatus).parse(during.json).data).toEqual({ ...before, stale: true });

    // Connect degrades the same way: the ingest details last read, marked stale, nothing re-enabled.
    const degraded = await connect();
    expect(degraded.status).toBe(200);
    const answer = apiSuccess(streamConnectData).parse(degraded.json).data;
    expect(answer).toMatchObject({
      stale: true,
      reenabled: false,
      ingest: ready.ingest,
      ingest_checked_at: ready.ingest_checked_at,
      status: { ...before, stale: true },
    });
    expect(answer.note).toBe(
      "Cloudflare could not be read (Cloudflare Stream did not answer before the deadline), so these are " +
        `the ingest details read at ${ready.ingest_checked_at}, and the live input could not be re-enabled if it is disabled`,
    );
    // Within the refresh interval of the failure, not tried again: served stale at once.
    const gets = await upstreamGets(uid("outage"));
    expect(apiSuccess(channelStatus).parse((await status()).json).data.stale).toBe(true);
    expect(await upstreamGets(uid("outage"))).toBe(gets);

    // Past the bound, the last known status is too old to serve: the failure is the answer.
    vi.advanceTimersByTime(STALE_STATUS_MAX_MS);
    const tooOld = await status();
    expect(tooOld.status).toBe(503);
    expect(apiFailure.parse(tooOld.json).error.code).toBe("upstream_timeout");

    // Cloudflare answers again: the next read after the refresh interval is fresh.
    for (const id of faultIds.splice(0)) await emulatorAdmin("DELETE", `/faults/${id}`);
    vi.advanceTimersByTime(STATUS_REFRESH_MS);
    const after = apiSuccess(channelStatus).parse((await status()).json).data;
    expect(after).toMatchObject({ stale: false, connected: before.connected, enabled: true });
    expect(Date.parse(after.checked_at)).toBeGreaterThan(Date.parse(before.checked_at));
  });
});

describe("GET /api/stream/status: live viewers", () => {
  afterEach(() => {
    vi.useRealTimers();
  });
  const status = async (channel: string) =>
    apiSuccess(channelStatus).parse((await callAs("acme", `/api/stream/status?channel=${channel}`)).json)
      .data;

  it("reports the delivery host's count while live, a private channel's through the holder's token", async () => {
    for (const channel of ["watched", "watched-private"]) {
      expect(await status(channel)).not.toHaveProperty("viewers");
      await emulatorAdmin("POST", `/live_inputs/${uid(channel)}/status`, { state: "connected" });
    }
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.advanceTimersByTime(STATUS_REFRESH_MS);
    // Nobody plays these inputs: the count is there, and it is 0.
    for (const channel of ["watched", "watched-private"]) {
      expect(await status(channel)).toMatchObject({ connected: true, viewers: 0 });
    }
    // Within the refresh interval, status answers from the holder: no further count is read.
    const counts = async () =>
      (await emulatorAdmin<unknown[]>("GET", `/requests?method=GET&path=${uid("watched")}/views`)).length;
    const before = await counts();
    expect(before).toBeGreaterThan(0);
    await Promise.all(Array.from({ length: 5 }, () => status("watched")));
    expect(await counts()).toBe(before);
  });

  it("leaves the count out for an input that hides it", async () => {
    const hidden = uid("hidden-count");
    await fetch(
      `${fixture().emulatorUrl}/client/v4/accounts/${fixture().accountId}/stream/live_inputs/${hidden}`,
      {
        method: "PUT",
        headers: { authorization: `Bearer ${fixture().adminToken}`, "content-type": "application/json" },
        body: JSON.stringify({ recording: { hideLiveViewerCount: true } }),
      },
    );
    expect(await status("hidden-count")).not.toHaveProperty("viewers");
    await emulatorAdmin("POST", `/live_inputs/${hidden}/status`, { state: "connected" });
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.advanceTimersByTime(STATUS_REFRESH_MS);
    const live = await status("hidden-count");
    expect(live.connected).toBe(true);
    expect(live).not.toHaveProperty("viewers");
  });
});

describe("GET /api/stream/status without a channel", () => {
  it("answers every channel of the tenant, and whether any is live, each from its holder", async () => {
    await emulatorAdmin("POST", `/live_inputs/${uid("live", "quiet")}/status`, { state: "connected" });
    const res = await callAs("quiet", "/api/stream/status");
    expect(res.status, res.text).toBe(200);
    const { data } = apiSuccess(tenantStreamStatus).parse(res.json);
    expect(data.connected).toBe(true);
    expect(data.channels.map((c) => [c.channel, c.live_input_id, c.connected])).toEqual([
      ["live", uid("live", "quiet"), true],
    ]);

    const acme = apiSuccess(tenantStreamStatus).parse((await callAs("acme", "/api/stream/status")).json).data;
    expect(acme.channels.map((c) => c.channel)).toEqual(Object.keys(fixture().liveInputs.acme!));
  });
});

describe("POST /api/stream/connect", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("re-enables a disabled live input and hands out its ingest details and status", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    await fetch(
      `${fixture().emulatorUrl}/client/v4/accounts/${fixture().accountId}/stream/live_inputs/${uid("connect")}`,
      {
        method: "PUT",
        headers: { authorization: `Bearer ${fixture().adminToken}`, "content-type": "application/json" },
        body: JSON.stringify({ enabled: false }),
      },
    );
    // Whatever the holder read before is past its refresh interval.
    vi.advanceTimersByTime(STATUS_REFRESH_MS);
    const puts = async () =>
      (await emulatorAdmin<unknown[]>("GET", `/requests?method=PUT&path=${uid("connect")}`)).length;
    const putsBefore = await puts();
    const concurrent = await Promise.all(
      Array.from({ length: 5 }, () =>
        callAs("acme", "/api/stream/connect", { method: "POST", body: { channel: "connect" } }),
      ),
    );
    const answers = concurrent.map((res) => apiSuccess(streamConnectData).parse(res.json).data);
    const first = answers[0]!;
    // One read and one re-enabling call, shared by every connect that found the input disabled.
    expect(await puts()).toBe(putsBefore + 1);
    for (const answer of answers) expect(answer).toEqual(first);
    expect(first.reenabled).toBe(true);
    expect(first.status.enabled).toBe(true);
    expect(first.ingest.rtmps.url).toMatch(/^rtmps:\/\//);
    expect(first.ingest.rtmps.stream_key.length).toBeGreaterThan(10);
    expect(first.ingest.srt.passphrase.length).toBeGreaterThan(10);

    // Repeated connects within the refresh interval are answered from the holder: no upstream call.
    const calls = async () =>
      (await emulatorAdmin<unknown[]>("GET", `/requests?path=${uid("connect")}`)).length;
    const before = await calls();
    for (let i = 0; i < 5; i++) {
      const again = apiSuccess(streamConnectData).parse(
        (await callAs("acme", "/api/stream/connect", { method: "POST", body: { channel: "connect" } })).json,
      ).data;
      expect(again).toEqual({ ...first, reenabled: false });
    }
    expect(await calls()).toBe(before);
    const status = apiSuccess(channelStatus).parse(
      (await callAs("acme", "/api/stream/status?channel=connect")).json,
    );
    expect(status.data.enabled).toBe(true);
  });

  it("says so, with the fresh read, when a disabled live input cannot be re-enabled", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const path = `/client/v4/accounts/${fixture().accountId}/stream/live_inputs/${uid("stuck")}`;
    await fetch(`${fixture().emulatorUrl}${path}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${fixture().adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ enabled: false }),
    });
    await addFault({ method: "PUT", path, action: { type: "status", status: 500 } });
    // Whatever the holder read before is past its refresh interval.
    vi.advanceTimersByTime(STATUS_REFRESH_MS);
    const res = await callAs("acme", "/api/stream/connect", { method: "POST", body: { channel: "stuck" } });
    expect(res.status).toBe(200);
    const data = apiSuccess(streamConnectData).parse(res.json).data;
    expect(data).toMatchObject({ reenabled: false, stale: false, status: { enabled: false, stale: false } });
    expect(data.note).toBe(
      "The live input is disabled and could not be re-enabled: Cloudflare Stream failed (HTTP 500)",
    );
  });

  it("400s a body that is not JSON or lacks the channel, and 404s another tenant's channel", async () => {
    const notJson = await callAs("acme", "/api/stream/connect", { method: "POST", body: "{channel:" });
    expect(apiFailure.parse(notJson.json).error.code).toBe("invalid_json");
    const missing = await callAs("acme", "/api/stream/connect", { method: "POST", body: {} });
    expect(missing.status).toBe(400);
    expect(apiFailure.parse(missing.json).error.message).toContain("channel");
    const foreign = await callAs("globex", "/api/stream/connect", {
      method: "POST",
      body: { channel: "connect" },
    });
    expect(foreign.status).toBe(404);
  });
});
