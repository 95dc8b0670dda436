import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import * as z from "zod";
import { cfSuccess } from "#contracts/cloudflare/envelope.ts";
import { iceServersResponse, newSessionResponse } from "#contracts/cloudflare/realtime.ts";
import { liveInput } from "#contracts/cloudflare/stream.ts";
import { EmulatorAdmin } from "./admin-client.ts";
import { type RunningEmulator, startEmulator } from "./server.ts";
import { BROWSER_OFFER, createSfuApp, createTurnKey, realtimeFetch } from "./services/realtime/testing.ts";
import { uploadForm, WORKER_SOURCE } from "./services/workers/test-support.ts";
import { accountFetch, jsonInit, scopedToken } from "./testing.ts";

/** The keys of the one JSON document the emulator has always written; every store owns some of them. */
const STATE_KEYS = [
  "accountId",
  "assetFiles",
  "customerCode",
  "liveInputs",
  "outputs",
  "policies",
  "revokedTurnUsernames",
  "scripts",
  "sfuApps",
  "sfuSessions",
  "streamSigningKeys",
  "tokens",
  "turnKeys",
  "turnSharedSecret",
  "videos",
  "webhooks",
  "workerDomains",
  "workerRoutes",
  "workersSubdomain",
];

const dirs: string[] = [];
const running: RunningEmulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function stateFile(): string {
  const dir = mkdtempSync(join(tmpdir(), "emulator-state-"));
  dirs.push(dir);
  return join(dir, "state.json");
}

async function start(options: Parameters<typeof startEmulator>[0] = {}): Promise<RunningEmulator> {
  const emu = await startEmulator(options);
  running.push(emu);
  return emu;
}

/** Something in every service, each made through its own API; `checkpoint` runs after every change. */
async function seedEveryService(emu: RunningEmulator, checkpoint: () => void = () => {}) {
  const api = accountFetch(emu);
  const admin = new EmulatorAdmin(emu.url, emu.adminToken);
  const token = await scopedToken(emu, ["Stream Read"]);
  checkpoint();
  const input = cfSuccess(liveInput).parse(
    await (await api("/stream/live_inputs", jsonInit("POST", { meta: { name: "show" } }))).json(),
  ).result;
  checkpoint();
  await admin.setLiveInputState(input.uid, "connected");
  checkpoint();
  const turnKey = await createTurnKey(emu);
  checkpoint();
  const rtc = realtimeFetch(emu);
  const issued = iceServersResponse.parse(
    await (
      await rtc(`/turn/keys/${turnKey.id}/credentials/generate-ice-servers`, turnKey.secret, {
        body: { ttl: 3600 },
      })
    ).json(),
  );
  const revoked = issued.iceServers[1]!.username!;
  const revoke = `/turn/keys/${turnKey.id}/credentials/${encodeURIComponent(revoked)}/revoke`;
  expect((await rtc(revoke, turnKey.secret)).status).toBe(204);
  checkpoint();
  const app = await createSfuApp(emu);
  checkpoint();
  const { sessionId } = newSessionResponse.parse(
    await (await rtc(`/apps/${app.id}/sessions/new`, app.secret, { body: {} })).json(),
  );
  checkpoint();
  const published = await rtc(`/apps/${app.id}/sessions/${sessionId}/tracks/new`, app.secret, {
    body: {
      sessionDescription: { type: "offer", sdp: BROWSER_OFFER },
      tracks: [{ location: "local", mid: "1", trackName: "cam" }],
    },
  });
  expect(published.status).toBe(200);
  checkpoint();
  const webhook = cfSuccess(z.object({ id: z.string() })).parse(
    await (
      await api(
        "/alerting/v3/destinations/webhooks",
        jsonInit("POST", {
          name: "hook",
          url: "http://127.0.0.1:9/hook",
          secret: randomBytes(16).toString("hex"),
        }),
      )
    ).json(),
  ).result.id;
  checkpoint();
  const policy = await api(
    "/alerting/v3/policies",
    jsonInit("POST", {
      name: "live",
      alert_type: "stream_live_notifications",
      enabled: true,
      mechanisms: { webhooks: [{ id: webhook }] },
    }),
  );
  expect(policy.status).toBe(200);
  checkpoint();
  const upload = await fetch(`${emu.apiBase}/accounts/${emu.accountId}/workers/scripts/edge`, {
    method: "PUT",
    headers: { authorization: `Bearer ${emu.adminToken}` },
    body: uploadForm(
      {
        main_module: "worker.js",
        migrations: { new_tag: "v1", new_sqlite_classes: ["Room"] },
        bindings: [{ type: "secret_text", name: "KEY", text: randomBytes(16).toString("hex") }],
      },
      [{ name: "worker.js", content: WORKER_SOURCE }],
    ),
  });
  expect(upload.status).toBe(200);
  checkpoint();
  expect((await api("/workers/subdomain", jsonInit("PUT", { subdomain: "acme" }))).status).toBe(200);
  checkpoint();
  return { token, input, turnKey, revoked, app, sessionId };
}

describe("the state file", () => {
  it("holds every store's section, written owner-only as each change happens, and loads on the next start", async () => {
    const file = stateFile();
    const first = await start({ stateFile: file });
    const document = () => JSON.parse(JSON.stringify(first.core.state.document()));
    // Every change is on disk before it is answered, not only at close.
    const seeded = await seedEveryService(first, () =>
      expect(JSON.parse(readFileSync(file, "utf8"))).toEqual(document()),
    );

    const written = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    expect(Object.keys(written).sort()).toEqual(STATE_KEYS);
    expect(Object.keys(written.liveInputs as object)).toEqual([seeded.input.uid]);
    expect(written.workersSubdomain).toBe("acme");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const before = document();
    await first.close();
    running.length = 0;

    const second = await start({ stateFile: file });
    // SFU sessions come back closed: their peer connections ended with the first process.
    const sessions = before.sfuSessions as Record<string, { closed: boolean; tracks: { status: string }[] }>;
    for (const session of Object.values(sessions)) {
      session.closed = true;
      for (const track of session.tracks) track.status = "inactive";
    }
    expect(JSON.parse(JSON.stringify(second.core.state.document()))).toEqual(before);
    expect([second.accountId, second.adminToken]).toEqual([first.accountId, first.adminToken]);
    const api = accountFetch(second);
    expect((await api("/tokens/verify", {}, seeded.token)).status).toBe(200);
    const input = cfSuccess(liveInput).parse(
      await (await api(`/stream/live_inputs/${seeded.input.uid}`)).json(),
    ).result;
    expect(input.status).toBe("connected");
    expect(input.webRTC.url).toBe(seeded.input.webRTC.url.replace(first.url, second.url));
    expect(second.stores.realtime.turnUsernameRefusal(seeded.revoked)).toBe("credential revoked");
    const session = await realtimeFetch(second)(
      `/apps/${seeded.app.id}/sessions/${seeded.sessionId}`,
      seeded.app.secret,
      { method: "GET" },
    );
    expect(session.status).toBe(410);
    expect(await session.json()).toMatchObject({ errorCode: "session_error" });
    expect(second.stores.notifications.listPolicies()).toHaveLength(1);
    expect(second.stores.workers.readScript("edge")?.durableObjectClasses).toEqual([
      { name: "Room", storage: "sqlite" },
    ]);
  });

  it("loads a file in the flat format that earlier versions wrote", async () => {
    const file = stateFile();
    const adminToken = randomBytes(30).toString("base64url");
    const accountId = randomBytes(16).toString("hex");
    const at = new Date().toISOString();
    writeFileSync(
      file,
      JSON.stringify({
        accountId,
        customerCode: "0123456789abcdef",
        turnSharedSecret: randomBytes(32).toString("hex"),
        tokens: {
          a1: {
            id: "a1",
            name: "emulator admin",
            value: adminToken,
            status: "active",
            superAdmin: true,
            policies: [],
            issued_on: at,
            modified_on: at,
            last_used_on: null,
          },
        },
        liveInputs: {},
        sfuApps: {},
        turnKeys: {},
        scripts: {},
        webhooks: {},
        policies: {},
        sfuSessions: {},
        revokedTurnUsernames: [],
        workersSubdomain: "old-subdomain",
      }),
      { mode: 0o600 },
    );
    const emu = await start({ stateFile: file });
    expect([emu.accountId, emu.adminToken]).toEqual([accountId, adminToken]);
    expect(emu.stores.stream.customerCode).toBe("0123456789abcdef");
    expect(emu.stores.workers.subdomain).toBe("old-subdomain");
  });

  it("refuses to start on a file it cannot read, and leaves the file as it was", async () => {
    const file = stateFile();
    for (const content of ["{not json", "[]", "null"]) {
      writeFileSync(file, content);
      await expect(startEmulator({ stateFile: file })).rejects.toThrow(/state file .* is unreadable/);
      expect(readFileSync(file, "utf8")).toBe(content);
    }
  });
});

describe("admin reset", () => {
  it("empties every store and keeps the account id, the admin token and the TURN shared secret", async () => {
    const emu = await start();
    const admin = new EmulatorAdmin(emu.url, emu.adminToken);
    await seedEveryService(emu);
    const turnSecret = emu.stores.realtime.turnSharedSecret;

    await admin.reset();

    const { stores } = emu;
    expect(stores.tokens.ownedBy("account")).toEqual([]);
    expect(stores.stream.list()).toEqual([]);
    expect([stores.calls.list("sfuApps"), stores.calls.list("turnKeys")]).toEqual([[], []]);
    expect(stores.realtime.revokedTurnUsernames()).toEqual([]);
    expect(emu.core.state.document().sfuSessions).toEqual({});
    expect([stores.notifications.listWebhooks(), stores.notifications.listPolicies()]).toEqual([[], []]);
    expect(stores.workers.list()).toEqual([]);
    expect(stores.workers.subdomain).toBe("local-emulator");
    expect(stores.realtime.turnSharedSecret).toBe(turnSecret);
    expect(emu.core.state.document().accountId).toBe(emu.accountId);
    expect((await accountFetch(emu)("/tokens/verify")).status).toBe(200);
  });
});
