import { createHmac } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  iceServersResponse,
  legacyIceServersResponse,
  realtimeError,
  TURN_TTL_MAX,
} from "#contracts/cloudflare/realtime.ts";
import { EmulatorAdmin } from "../../admin-client.ts";
import { type RunningEmulator, startEmulator } from "../../server.ts";
import { accountFetch } from "../../testing.ts";
import { createTurnKey, realtimeFetch } from "./testing.ts";
import { parseTurnUsername, revokeTurnUsername, turnUsernameRefusal } from "./turn-credentials.ts";

let emu: RunningEmulator;
let admin: EmulatorAdmin;
let rtc: ReturnType<typeof realtimeFetch>;
const TURN_PORT = 40_000;

beforeAll(async () => {
  emu = await startEmulator({ config: { turnServer: { host: "127.0.0.1", port: TURN_PORT } } });
  admin = new EmulatorAdmin(emu.url, emu.adminToken);
  rtc = realtimeFetch(emu);
});
afterAll(() => emu.close());
beforeEach(() => admin.reset());

const generate = (keyId: string, bearer: string | undefined, body: unknown = { ttl: 3600 }) =>
  rtc(`/turn/keys/${keyId}/credentials/generate-ice-servers`, bearer, { body });

async function expectRealtimeError(res: Response, status: number, errorCode: string) {
  expect(res.status).toBe(status);
  const body = realtimeError.parse(await res.json());
  expect(body.errorCode).toBe(errorCode);
  return body;
}

describe("TURN credentials", () => {
  it("generates ICE servers: STUN and TURN URLs of the local TURN server, REST-scheme credentials", async () => {
    const key = await createTurnKey(emu);
    const before = Math.floor(Date.now() / 1000);
    const res = await generate(key.id, key.secret, { ttl: 600, customIdentifier: "user-42" });
    expect(res.status).toBe(201);
    const { iceServers } = iceServersResponse.parse(await res.json());
    expect(iceServers).toHaveLength(2);
    expect(iceServers[0]).toEqual({ urls: [`stun:127.0.0.1:${TURN_PORT}`] });
    const turn = iceServers[1]!;
    expect(turn.urls).toEqual([
      `turn:127.0.0.1:${TURN_PORT}?transport=udp`,
      `turn:127.0.0.1:${TURN_PORT}?transport=tcp`,
    ]);
    const parsed = parseTurnUsername(turn.username!);
    expect(parsed?.keyId).toBe(key.id);
    expect(parsed!.expiresAt - before).toBeGreaterThanOrEqual(600);
    expect(parsed!.expiresAt - before).toBeLessThanOrEqual(601);
    const expected = createHmac("sha1", emu.stores.realtime.turnSharedSecret)
      .update(turn.username!)
      .digest("base64");
    expect(turn.credential).toBe(expected);

    const again = iceServersResponse.parse(await (await generate(key.id, key.secret)).json());
    expect(again.iceServers[1]!.username).not.toBe(turn.username);
  });

  it("answers the older generate endpoint with one object, not an array", async () => {
    const key = await createTurnKey(emu);
    const res = await rtc(`/turn/keys/${key.id}/credentials/generate`, key.secret, { body: { ttl: 60 } });
    expect(res.status).toBe(201);
    const { iceServers } = legacyIceServersResponse.parse(await res.json());
    expect(Array.isArray(iceServers)).toBe(false);
    expect(iceServers.urls).toContain(`turn:127.0.0.1:${TURN_PORT}?transport=udp`);
    expect(iceServers.urls).toContain(`stun:127.0.0.1:${TURN_PORT}`);
    expect(parseTurnUsername(iceServers.username)?.keyId).toBe(key.id);
  });

  it("wants the key's own secret as bearer and knows which keys exist", async () => {
    const key = await createTurnKey(emu);
    const other = await createTurnKey(emu);
    await expectRealtimeError(await generate(key.id, undefined), 401, "unauthorized");
    await expectRealtimeError(await generate(key.id, "f".repeat(64)), 401, "unauthorized");
    await expectRealtimeError(await generate(key.id, other.secret), 401, "unauthorized");
    await expectRealtimeError(await generate(key.id, emu.adminToken), 401, "unauthorized");
    await expectRealtimeError(await generate("0".repeat(32), key.secret), 404, "not_found");
    await expectRealtimeError(await generate("constructor", key.secret), 404, "not_found");

    await accountFetch(emu)(`/calls/turn_keys/${key.id}`, { method: "DELETE" });
    await expectRealtimeError(await generate(key.id, key.secret), 404, "not_found");
  });

  it("refuses bad bodies with Realtime's error codes", async () => {
    const key = await createTurnKey(emu);
    await expectRealtimeError(await generate(key.id, key.secret, "{ttl:"), 400, "decoding_error");
    await expectRealtimeError(await generate(key.id, key.secret, ""), 400, "decoding_error");
    for (const body of [{}, { ttl: 0 }, { ttl: TURN_TTL_MAX + 1 }, { ttl: "60" }, { ttl: 1.5 }, []]) {
      await expectRealtimeError(await generate(key.id, key.secret, body), 400, "invalid_params");
    }
    const named = await expectRealtimeError(
      await generate(key.id, key.secret, { ttl: -1 }),
      400,
      "invalid_params",
    );
    expect(named.errorDescription).toMatch(/^ttl: /);
    await expectRealtimeError(
      await generate(key.id, key.secret, { ttl: 60, pad: "x".repeat(1024 * 1024) }),
      413,
      "payload_too_large",
    );
  });

  it("revokes a credential of its own key only, with 204", async () => {
    const key = await createTurnKey(emu);
    const other = await createTurnKey(emu);
    const issue = async () =>
      iceServersResponse.parse(await (await generate(key.id, key.secret)).json()).iceServers[1]!.username!;
    const username = await issue();
    const revokePath = (keyId: string, name: string) =>
      `/turn/keys/${keyId}/credentials/${encodeURIComponent(name)}/revoke`;

    await expectRealtimeError(await rtc(revokePath(key.id, username), undefined), 401, "unauthorized");
    await expectRealtimeError(await rtc(revokePath(other.id, username), other.secret), 404, "not_found");
    await expectRealtimeError(await rtc(revokePath(key.id, "not-a-username"), key.secret), 404, "not_found");
    expect(emu.stores.realtime.turnUsernameRefusal(username)).toBeUndefined();

    const revoked = await rtc(revokePath(key.id, username), key.secret);
    expect(revoked.status).toBe(204);
    expect(await revoked.text()).toBe("");
    expect((await rtc(revokePath(key.id, username), key.secret)).status).toBe(204);
    expect(emu.stores.realtime.revokedTurnUsernames()).toEqual([username]);
    expect(emu.stores.realtime.turnUsernameRefusal(username)).toBe("credential revoked");
    expect(emu.stores.realtime.turnUsernameRefusal(await issue())).toBeUndefined();

    const logged = await admin.requests({ path: "/revoke" });
    expect(JSON.stringify(logged)).not.toContain(username.split(":")[1]);
  });

  it("answers unknown Realtime paths with Realtime's not_found", async () => {
    await expectRealtimeError(await rtc("/turn/keys", "x"), 404, "not_found");
    await expectRealtimeError(await rtc("/nothing/here", undefined, { method: "GET" }), 404, "not_found");
  });
});

describe("TURN credential bookkeeping", () => {
  it("refuses usernames of deleted keys and forgets revocations once they expire", () => {
    const turnKeyExists = (id: string) => id === "k1";
    const nowMs = 1_800_000_000_000;
    const live = `${nowMs / 1000 + 60}:k1.0123456789abcdef`;
    const expired = `${nowMs / 1000 - 1}:k1.0123456789abcdef`;
    const revoked = revokeTurnUsername([expired], live, nowMs);
    expect(revoked).toEqual([live]);
    expect(turnUsernameRefusal(revoked, turnKeyExists, `${nowMs / 1000 + 60}:k2.0123456789abcdef`)).toBe(
      "TURN key deleted",
    );
    expect(turnUsernameRefusal(revoked, turnKeyExists, "1800000060:someone-else")).toBeUndefined();
  });

  it("asks Calls whether the issuing key still exists: a deleted key's credentials are refused", async () => {
    const key = await createTurnKey(emu);
    const username = iceServersResponse.parse(await (await generate(key.id, key.secret)).json())
      .iceServers[1]!.username!;
    expect(emu.stores.realtime.turnUsernameRefusal(username)).toBeUndefined();
    expect((await accountFetch(emu)(`/calls/turn_keys/${key.id}`, { method: "DELETE" })).status).toBe(200);
    expect(emu.stores.realtime.turnUsernameRefusal(username)).toBe("TURN key deleted");
  });
});
