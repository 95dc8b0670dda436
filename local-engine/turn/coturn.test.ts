import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { iceServersResponse } from "#contracts/cloudflare/realtime.ts";
import { EmulatorAdmin } from "#emulator/admin-client.ts";
import { newHexSecret } from "#emulator/core/ids.ts";
import { type RunningEmulator, startEmulator } from "#emulator/server.ts";
import { createTurnKey, realtimeFetch } from "#emulator/services/realtime/testing.ts";
import { turnPassword } from "#emulator/services/realtime/turn-credentials.ts";
import { accountFetch } from "#emulator/testing.ts";
import { type LocalTurn, startLocalTurn } from "./coturn.ts";
import { probeTurn, type TurnServerAddress } from "./turn-client.ts";

/**
 * TURN credentials from the emulator against a real coturn (Debian's /usr/bin/turnserver, which
 * CI installs): never skipped, so a missing coturn fails here with the reason.
 */

let emu: RunningEmulator;
let turn: LocalTurn;
let key: { id: string; secret: string };

beforeAll(async () => {
  const sharedSecret = newHexSecret();
  turn = await startLocalTurn({
    sharedSecret,
    refusal: (username) => emu.stores.realtime.turnUsernameRefusal(username),
  });
  emu = await startEmulator({
    turnSharedSecret: sharedSecret,
    config: { turnServer: { host: turn.host, port: turn.port } },
  });
});
afterAll(async () => {
  await emu?.close();
  await turn?.stop();
});
beforeEach(async () => {
  await new EmulatorAdmin(emu.url, emu.adminToken).reset();
  key = await createTurnKey(emu);
});

interface IssuedTurn {
  username: string;
  credential: string;
  /** Each TURN URL as a probe target. */
  servers: Required<TurnServerAddress>[];
}

async function issue(ttl = 600): Promise<IssuedTurn> {
  const res = await realtimeFetch(emu)(`/turn/keys/${key.id}/credentials/generate-ice-servers`, key.secret, {
    body: { ttl },
  });
  const entry = iceServersResponse.parse(await res.json()).iceServers[1]!;
  const urls = typeof entry.urls === "string" ? [entry.urls] : entry.urls;
  const servers = urls.map((url) => {
    const match = /^turn:([\d.]+):(\d+)\?transport=(udp|tcp)$/.exec(url);
    if (!match) throw new Error(`unexpected TURN URL ${url}`);
    return { host: match[1]!, port: Number(match[2]), transport: match[3] as "udp" | "tcp" };
  });
  return { username: entry.username!, credential: entry.credential!, servers };
}

const direct = (): Required<TurnServerAddress> => ({
  host: turn.coturn.host,
  port: turn.coturn.port,
  transport: "udp",
});

async function expectAllocation(server: TurnServerAddress, username: string, credential: string) {
  const result = await probeTurn({ ...server, username, credential, timeoutMs: 3000 });
  expect(result, turn.coturn.log()).toMatchObject({ ok: true, relayedAddress: { address: "127.0.0.1" } });
}

async function expectRefusal(server: TurnServerAddress, username: string, credential: string, why?: RegExp) {
  const result = await probeTurn({ ...server, username, credential, timeoutMs: 3000 });
  expect(result).toMatchObject({ ok: false, reason: "unauthorized" });
  if (why && !result.ok) expect(result.message).toMatch(why);
}

describe("emulator TURN credentials on a real coturn", () => {
  it("allocate a relay over every advertised URL, and on coturn directly", async () => {
    const { username, credential, servers } = await issue();
    expect(servers.map((s) => s.transport)).toEqual(["udp", "tcp"]);
    for (const server of servers) await expectAllocation(server, username, credential);
    await expectAllocation(direct(), username, credential);
  });

  it("fail once expired: coturn reads the expiry from the username", async () => {
    const { username, credential, servers } = await issue(1);
    const expiresAt = Number(username.split(":")[0]);
    await sleep(Math.max(0, (expiresAt + 1) * 1000 - Date.now()) + 100);
    for (const server of servers) await expectRefusal(server, username, credential);
    await expectRefusal(direct(), username, credential);
  });

  it("fail when signed with another secret or tampered with", async () => {
    const { username, credential, servers } = await issue();
    await expectRefusal(servers[0]!, username, turnPassword(newHexSecret(), username));
    const [expiry, id] = username.split(":");
    const extended = `${Number(expiry) + 3600}:${id}`;
    await expectRefusal(servers[0]!, extended, credential);
  });

  it("fail once revoked, through the gate that fronts coturn (coturn alone cannot revoke)", async () => {
    const { username, credential, servers } = await issue();
    await expectAllocation(servers[0]!, username, credential);
    const revoked = await realtimeFetch(emu)(
      `/turn/keys/${key.id}/credentials/${encodeURIComponent(username)}/revoke`,
      key.secret,
    );
    expect(revoked.status).toBe(204);
    for (const server of servers) await expectRefusal(server, username, credential, /revoked/);
    // The limitation the gate exists for: coturn itself still honours the signature until expiry.
    await expectAllocation(direct(), username, credential);

    const fresh = await issue();
    await expectAllocation(servers[0]!, fresh.username, fresh.credential);
  });

  it("fail once their TURN key is deleted", async () => {
    const { username, credential, servers } = await issue();
    await accountFetch(emu)(`/calls/turn_keys/${key.id}`, { method: "DELETE" });
    await expectRefusal(servers[0]!, username, credential, /TURN key deleted/);
  });
});
