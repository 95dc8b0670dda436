import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { apiFailure } from "#contracts/api/envelope.ts";
import { createApp } from "../src/app.ts";
import { type CallOptions, call, emulatorAdmin, fixture } from "./support/api.ts";
import { connect, join, type RoomSocket } from "./support/room.ts";

const sockets: RoomSocket[] = [];
const open = async (...args: Parameters<typeof connect>) => {
  const socket = await connect(...args);
  sockets.push(socket);
  return socket;
};
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.close();
});

/** A TURN key of this file's own, so that its fault rule touches no other test file. */
async function ownTurnKey(): Promise<{ id: string; secret: string }> {
  const { emulatorUrl, accountId, adminToken } = fixture();
  const res = await fetch(`${emulatorUrl}/client/v4/accounts/${accountId}/calls/turn_keys`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "join tests" }),
  });
  const { result } = (await res.json()) as { result: { uid: string; key: string } };
  return { id: result.uid, secret: result.key };
}

/** Runs `joins` against a Worker whose TURN key's credentials Cloudflare refuses with a 500. */
async function withFailingTurn(joins: (app: CallOptions["app"]) => Promise<void>): Promise<void> {
  const key = await ownTurnKey();
  const app = { app: createApp(), env: { ...env, TURN_KEY_ID: key.id, TURN_KEY_SECRET: key.secret } };
  const fault = await emulatorAdmin<{ id: string }>("POST", "/faults", {
    path: `/v1/turn/keys/${key.id}/credentials/generate-ice-servers`,
    action: { type: "status", status: 500 },
  });
  try {
    await joins(app);
  } finally {
    await emulatorAdmin("DELETE", `/faults/${fault.id}`);
  }
}

describe("POST /api/realtime/join", () => {
  it("answers p2p with TURN servers for two participants, and sfu with a session from the third", async () => {
    const ada = await join("topology", "ada");
    expect(ada.data).toMatchObject({ topology: "p2p", participants: 1, room_id: "topology", user_id: "ada" });
    expect(ada.data!.sfu).toBeUndefined();
    expect(JSON.stringify(ada.data!.ice_servers)).toContain("turn:");
    // The token's lifetime, for a client whose clock is wrong, and the same instant by the clock.
    expect(ada.data!.expires_in).toBe(3600);
    expect(Math.abs(Date.parse(ada.data!.expires_at) - Date.now() - 3_600_000)).toBeLessThan(60_000);
    expect((await join("topology", "bob")).data).toMatchObject({ topology: "p2p", participants: 2 });
    // Joining again is not a new participant.
    expect((await join("topology", "ada")).data).toMatchObject({ topology: "p2p", participants: 2 });

    const cleo = await join("topology", "cleo");
    expect(cleo.data).toMatchObject({ topology: "sfu", participants: 3 });
    expect(cleo.data!.sfu).toEqual({ session_id: expect.any(String), app_id: fixture().bindings.SFU_APP_ID });
    // The room stays on the SFU while anyone is in it.
    expect((await join("topology", "ada")).data).toMatchObject({ topology: "sfu", participants: 3 });
  });

  it("tells the peers already connected to move to the SFU when the third joins", async () => {
    const [ada, bob] = [(await join("grow", "ada")).data!, (await join("grow", "bob")).data!];
    const [adaSocket, bobSocket] = [await open(ada), await open(bob)];
    await join("grow", "cleo");
    for (const socket of [adaSocket, bobSocket]) {
      expect(await socket.next("topology")).toEqual({ type: "topology", topology: "sfu", participants: 3 });
    }
  });

  it("gives an SFU participant's token the session proxy, and a peer-to-peer token none", async () => {
    for (const user of ["ada", "bob"]) await join("proxy", user);
    const p2p = (await join("proxy", "ada")).data!;
    const sfu = (await join("proxy", "cleo")).data!;
    const get = (sessionId: string, token: string) =>
      call(`/api/realtime/sfu/sessions/${sessionId}`, { tenant: "acme", bearer: token });
    expect((await get(sfu.sfu!.session_id, sfu.token)).status).toBe(200);
    expect((await get(sfu.sfu!.session_id, p2p.token)).status).toBe(403);
  });

  it("gives the place back when minting fails, so the room does not grow", async () => {
    await withFailingTurn(async (app) => {
      for (const user of ["ada", "bob", "cleo"]) {
        const failed = await join("release", user, { app });
        expect(failed.res.status).toBe(502);
        expect(apiFailure.parse(failed.res.json).error.code).toBe("upstream_error");
      }
    });
    expect((await join("release", "dan")).data).toMatchObject({ topology: "p2p", participants: 1 });
  });

  it("leaves the peers peer-to-peer when the join that would move the room to the SFU fails", async () => {
    const [ada, bob] = [(await join("stays", "ada")).data!, (await join("stays", "bob")).data!];
    const [adaSocket, bobSocket] = [await open(ada), await open(bob)];
    await withFailingTurn(async (app) => {
      expect((await join("stays", "cleo", { app })).res.status).toBe(502);
    });
    for (const socket of [adaSocket, bobSocket])
      await expect(socket.next("topology", 300)).rejects.toThrow(/no topology/);
    // A renewal of a peer finds the room as it was.
    expect((await join("stays", "ada")).data).toMatchObject({ topology: "p2p", participants: 2 });
  });

  it("validates the body and needs the tenant key", async () => {
    expect((await call("/api/realtime/join", { method: "POST", body: {} })).status).toBe(401);
    const bad = await join("a room", "ada");
    expect(bad.res.status).toBe(400);
    expect(apiFailure.parse(bad.res.json).error.message).toContain("room_id");
  });
});
