import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { apiFailure } from "#contracts/api/envelope.ts";
import { ROOM_PING, ROOM_PONG, ROOM_PRESENCE_TIMEOUT_MS } from "#contracts/api/room-protocol.ts";
import { MAX_TRACKS_PER_PARTICIPANT } from "#contracts/api/rooms.ts";
import { CLOSE_REPLACED, CLOSE_TIMEOUT, type Room, roomOf } from "../src/durable/room.ts";
import { call } from "./support/api.ts";
import { connect, join, type RoomSocket, upgrade } from "./support/room.ts";

const sockets: RoomSocket[] = [];
/** Joins `room` as `user` and opens the socket. */
const enter = async (room: string, user: string, tenant = "acme") => {
  const socket = await connect((await join(room, user, { tenant })).data!);
  sockets.push(socket);
  return socket;
};
afterEach(() => {
  for (const socket of sockets.splice(0)) {
    try {
      socket.close();
    } catch {
      // Closed by the test already.
    }
  }
});

describe("the room socket", () => {
  it("welcomes each participant with who is present, and tells the others who joins and leaves", async () => {
    const ada = await enter("presence", "ada");
    const adaWelcome = await ada.next("welcome");
    expect(adaWelcome).toMatchObject({ self: { user_id: "ada", session_id: null }, participants: [] });
    expect(adaWelcome.topology).toBe("p2p");

    const bob = await enter("presence", "bob");
    expect((await bob.next("welcome")).participants.map((p) => p.user_id)).toEqual(["ada"]);
    expect((await ada.next("join")).participant).toMatchObject({ user_id: "bob", user_name: "bob (test)" });

    const cleo = await enter("presence", "cleo");
    const cleoWelcome = await cleo.next("welcome");
    expect(cleoWelcome.topology).toBe("sfu");
    expect(cleoWelcome.self.session_id).toEqual(expect.any(String));
    expect(cleoWelcome.participants.map((p) => p.user_id).sort()).toEqual(["ada", "bob"]);

    bob.close();
    for (const socket of [ada, cleo]) {
      expect(await socket.next("leave")).toEqual({ type: "leave", user_id: "bob", reason: "closed" });
    }
  });

  it("broadcasts track lists and events, and relays signalling to one participant", async () => {
    const [ada, bob, cleo] = [
      await enter("relay", "ada"),
      await enter("relay", "bob"),
      await enter("relay", "cleo"),
    ];
    const tracks = [{ track_name: "mic", kind: "audio", session_id: "s1" }];
    ada.send({ type: "tracks", tracks });
    for (const socket of [bob, cleo])
      expect(await socket.next("tracks")).toEqual({ type: "tracks", user_id: "ada", tracks });

    ada.send({ type: "event", data: { hand: "raised" } });
    expect(await cleo.next("event")).toEqual({ type: "event", from: "ada", data: { hand: "raised" } });

    ada.send({ type: "signal", to: "bob", data: { sdp: "offer" } });
    expect(await bob.next("signal")).toEqual({ type: "signal", from: "ada", data: { sdp: "offer" } });
    await expect(cleo.next("signal", 200)).rejects.toThrow(/no signal/);

    // A later participant sees the tracks already published.
    const dan = await enter("relay", "dan");
    const welcome = await dan.next("welcome");
    expect(welcome.participants.find((p) => p.user_id === "ada")?.tracks).toEqual(tracks);
  });

  it("answers a bad message with an error and stays open", async () => {
    const ada = await enter("errors", "ada");
    await ada.next("welcome");
    for (const bad of ["not json", { type: "shout" }, { type: "tracks", tracks: [{ kind: "smell" }] }]) {
      ada.send(bad);
      expect((await ada.next("error")).code).toBe("invalid_message");
    }
    ada.send({ type: "signal", to: "nobody", data: {} });
    expect((await ada.next("error")).code).toBe("not_present");
    ada.send(ROOM_PING);
    expect(await ada.nextPong()).toBe(ROOM_PONG);
  });

  it("keeps the largest track list the contract allows, and a later participant sees it", async () => {
    const [ada, bob] = [await enter("big-tracks", "ada"), await enter("big-tracks", "bob")];
    await ada.next("welcome");
    await bob.next("welcome");
    // The contract's most: MAX_TRACKS_PER_PARTICIPANT tracks, each name and session id at their
    // longest, about 5 KB. The room keeps a member's tracks in its socket's attachment, which
    // workerd caps ("A WebSocket 'attachment' cannot be larger than …", thrown by
    // serializeAttachment), and this runs in workerd, the runtime Cloudflare runs: a lower cap, such
    // as the 2,048 bytes older docs named, would fail here.
    const tracks = Array.from({ length: MAX_TRACKS_PER_PARTICIPANT }, (_, i) => ({
      track_name: `${i}`.padEnd(128, "t"),
      kind: "video",
      session_id: `${i}`.padEnd(128, "s"),
    }));
    ada.send({ type: "tracks", tracks });
    expect(await bob.next("tracks")).toEqual({ type: "tracks", user_id: "ada", tracks });
    const cleo = await enter("big-tracks", "cleo");
    const welcome = await cleo.next("welcome");
    expect(welcome.participants.find((p) => p.user_id === "ada")?.tracks).toEqual(tracks);
  });

  it("replaces a user's older socket without a leave", async () => {
    const ada = await enter("replace", "ada");
    const first = await enter("replace", "bob");
    await ada.next("join");
    const second = await enter("replace", "bob");
    expect((await first.closed).code).toBe(CLOSE_REPLACED);
    expect((await ada.next("join")).participant.user_id).toBe("bob");
    await expect(ada.next("leave", 300)).rejects.toThrow(/no leave/);
    expect((await second.next("welcome")).participants.map((p) => p.user_id)).toEqual(["ada"]);
  });

  it("lets a participant silent past the presence timeout go, and keeps one that pings", async () => {
    const ada = await enter("timeout", "ada");
    const bob = await enter("timeout", "bob");
    await bob.next("welcome");
    const bobSilentSince = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 100));
    ada.send(ROOM_PING);
    expect(await ada.nextPong()).toBe(ROOM_PONG);

    const sweepAt = bobSilentSince + ROOM_PRESENCE_TIMEOUT_MS + 50;
    await runInDurableObject(roomOf(env, "acme", "timeout"), (room: Room) => room.sweep(sweepAt));
    expect((await bob.closed).code).toBe(CLOSE_TIMEOUT);
    expect(await ada.next("leave")).toEqual({ type: "leave", user_id: "bob", reason: "timeout" });
    ada.send({ type: "event", data: "still here" });
    await expect(ada.next("error", 300)).rejects.toThrow(/no error/);
  });

  it("lets in only a valid token for this room, over a WebSocket", async () => {
    const ada = (await join("guarded", "ada")).data!;
    const path = (room: string, token: string) =>
      `/api/realtime/rooms/${room}/ws?token=${encodeURIComponent(token)}`;
    expect((await upgrade("/api/realtime/rooms/guarded/ws")).status).toBe(401);
    expect((await upgrade(path("guarded", `${ada.token.slice(0, -4)}AAAA`))).status).toBe(401);
    expect((await upgrade(path("elsewhere", ada.token))).status).toBe(403);
    const twice = `${path("guarded", ada.token)}&token=${encodeURIComponent(ada.token)}`;
    expect((await upgrade(twice)).status).toBe(400);
    const plain = await call(path("guarded", ada.token));
    expect(plain.status).toBe(426);
    expect(apiFailure.parse(plain.json).error.code).toBe("upgrade_required");
  });

  it("keeps tenants apart: the same room id in another tenant is another room", async () => {
    const acme = await enter("shared-name", "ada");
    await acme.next("welcome");
    const globex = await enter("shared-name", "bob", "globex");
    expect((await globex.next("welcome")).participants).toEqual([]);
    await expect(acme.next("join", 300)).rejects.toThrow(/no join/);
  });
});

describe("the room's reservations", () => {
  it("are given back by the join that made them, not by an earlier failed join of the same user", async () => {
    await runInDurableObject(roomOf(env, "acme", "retried"), async (room: Room, state) => {
      const failing = await room.admit("ada");
      const retried = await room.admit("ada");
      expect(retried.reservedUntil).toBeGreaterThan(failing.reservedUntil);
      await room.release("ada", failing.reservedUntil);
      await vi.waitFor(
        async () =>
          expect(Object.keys((await state.storage.get<object>("reservations")) ?? {})).toEqual(["ada"]),
        { timeout: 5_000 },
      );
    });
  });

  it("count from the join on, and are written to storage together shortly after", async () => {
    await runInDurableObject(roomOf(env, "acme", "reserved"), async (room: Room, state) => {
      await room.admit("ada");
      await room.admit("bob");
      // Reservations held in memory count: the third reserved user moves the room to the SFU.
      expect(await room.admit("cleo")).toMatchObject({ topology: "sfu", participants: 3, movesToSfu: true });
      await vi.waitFor(
        async () =>
          expect(Object.keys((await state.storage.get<object>("reservations")) ?? {})).toEqual([
            "ada",
            "bob",
            "cleo",
          ]),
        { timeout: 5_000 },
      );
    });
  });
});
