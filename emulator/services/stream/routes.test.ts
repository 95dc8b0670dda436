import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cfFailure, cfSuccess } from "#contracts/cloudflare/envelope.ts";
import { liveInput, liveInputList } from "#contracts/cloudflare/stream.ts";
import { EmulatorAdmin } from "../../admin-client.ts";
import { type RunningEmulator, startEmulator } from "../../server.ts";

let emu: RunningEmulator;
let admin: EmulatorAdmin;
const api = (path: string, init: RequestInit = {}, token = emu.adminToken) =>
  fetch(`${emu.apiBase}/accounts/${emu.accountId}/stream/live_inputs${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...init.headers },
  });

beforeAll(async () => {
  emu = await startEmulator();
  admin = new EmulatorAdmin(emu.url, emu.adminToken);
});
afterAll(() => emu.close());
beforeEach(() => admin.reset());

describe("stream live inputs", () => {
  it("creates, reads, lists, updates and deletes a live input in Cloudflare's shapes", async () => {
    const created = cfSuccess(liveInput).parse(
      await (await api("", { method: "POST", body: JSON.stringify({ meta: { name: "show" } }) })).json(),
    ).result;
    expect(created.uid).toMatch(/^[0-9a-f]{32}$/);
    expect(created.recording.mode).toBe("off");
    expect(created.status).toBeNull();

    const got = cfSuccess(liveInput).parse(await (await api(`/${created.uid}`)).json()).result;
    expect(got.rtmps.streamKey).toBe(created.rtmps.streamKey);

    const list = cfSuccess(liveInputList).parse(await (await api("")).json()).result;
    expect(list.total).toBe(1);
    expect(list.liveInputs[0]).not.toHaveProperty("rtmps");

    const updated = cfSuccess(liveInput).parse(
      await (
        await api(`/${created.uid}`, { method: "PUT", body: JSON.stringify({ enabled: false }) })
      ).json(),
    ).result;
    expect(updated.enabled).toBe(false);

    expect((await api(`/${created.uid}`, { method: "DELETE" })).status).toBe(200);
    const gone = await api(`/${created.uid}`);
    expect(gone.status).toBe(404);
    expect(cfFailure.parse(await gone.json()).errors[0]?.code).toBe(10007);
  });

  it("reports connection state in the documented string shape or the observed object shape", async () => {
    const { result } = cfSuccess(liveInput).parse(await (await api("", { method: "POST" })).json());
    await admin.setLiveInputState(result.uid, "connected");
    expect(cfSuccess(liveInput).parse(await (await api(`/${result.uid}`)).json()).result.status).toBe(
      "connected",
    );

    await admin.patchConfig({ statusShape: "object" });
    const objectShape = cfSuccess(liveInput).parse(await (await api(`/${result.uid}`)).json()).result.status;
    expect(objectShape).toMatchObject({ current: { state: "connected" } });
  });

  it("rotate_keys issues new ingest credentials and drops a connected broadcaster", async () => {
    const { result } = cfSuccess(liveInput).parse(await (await api("", { method: "POST" })).json());
    await admin.setLiveInputState(result.uid, "connected");
    const rotated = cfSuccess(liveInput).parse(
      await (await api(`/${result.uid}/rotate_keys`, { method: "POST" })).json(),
    ).result;
    expect(rotated.rtmps.streamKey).not.toBe(result.rtmps.streamKey);
    expect(rotated.srt.passphrase).not.toBe(result.srt.passphrase);
    expect(rotated.keysRotatedAt).toBeDefined();
    expect(rotated.status).toBe("client_disconnect");
  });

  it("answers bad bodies with field errors and changes nothing", async () => {
    const res = await api("", { method: "POST", body: JSON.stringify({ deleteRecordingAfterDays: 3 }) });
    expect(res.status).toBe(400);
    const body = cfFailure.parse(await res.json());
    expect(body.errors[0]?.message).toContain("deleteRecordingAfterDays");
    const malformed = await api("", { method: "POST", body: "{not json" });
    expect(malformed.status).toBe(400);
    expect(cfFailure.parse(await malformed.json()).errors[0]?.code).toBe(6007);
    const list = cfSuccess(liveInputList).parse(await (await api("")).json()).result;
    expect(list.total).toBe(0);
  });

  it("refuses missing, malformed and unknown tokens like Cloudflare", async () => {
    const missing = await fetch(`${emu.apiBase}/accounts/${emu.accountId}/stream/live_inputs`);
    expect(missing.status).toBe(400);
    expect((await api("", {}, "short")).status).toBe(400);
    expect((await api("", {}, "x".repeat(40))).status).toBe(401);
  });
});

describe("a live input's lifecycle on the delivery host", () => {
  it("answers the docs' bare object without a credential, live while broadcasting, outside the API's budget", async () => {
    // developers.cloudflare.com/stream/stream-live/watch-live-stream/ ("Live input ID status"):
    // `{ isInput, videoUID, live }`, no envelope; the Stream Player asks it from viewers' browsers.
    const { result } = cfSuccess(liveInput).parse(await (await api("", { method: "POST" })).json());
    const lifecycle = `${result.webRTCPlayback.url.replace(/\/webRTC\/play$/, "")}/lifecycle`;
    await admin.patchConfig({ rateLimit: { requests: 2, windowSeconds: 300 } });
    try {
      for (let i = 0; i < 5; i++) {
        const idle = await fetch(lifecycle);
        expect(idle.status).toBe(200);
        const body = (await idle.json()) as Record<string, unknown>;
        expect(body).toMatchObject({ isInput: true, videoUID: null, live: false });
        expect(body).not.toHaveProperty("success");
      }
      await admin.setLiveInputState(result.uid, "connected");
      expect(await (await fetch(lifecycle)).json()).toMatchObject({ isInput: true, live: true });
    } finally {
      await admin.patchConfig({ rateLimit: { requests: 1_200, windowSeconds: 300 } });
    }
  });
});

describe("live input ids", () => {
  it("never reach the store's prototype", async () => {
    for (const id of ["constructor", "__proto__", "toString"]) {
      expect((await api(`/${id}`)).status).toBe(404);
      expect(
        (
          await fetch(`${emu.url}/__emulator/live_inputs/${id}/status`, {
            method: "POST",
            headers: { authorization: `Bearer ${emu.adminToken}`, "content-type": "application/json" },
            body: JSON.stringify({ state: "connected" }),
          })
        ).status,
      ).toBe(404);
    }
  });
});

describe("oversized bodies", () => {
  it("get 413 with Cloudflare's envelope, close the connection, and leave the emulator serving", async () => {
    const res = await api("", {
      method: "POST",
      body: JSON.stringify({ meta: { pad: "x".repeat(2 * 1024 * 1024) } }),
    });
    expect(res.status).toBe(413);
    expect(res.headers.get("connection")).toBe("close");
    expect(cfFailure.parse(await res.json()).errors[0]?.code).toBe(10027);
    const after = await api("");
    expect(after.status).toBe(200);
    expect(cfSuccess(liveInputList).parse(await after.json()).result.total).toBe(0);
  });
});
