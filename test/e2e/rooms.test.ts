import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { apiSuccess } from "#contracts/api/envelope.ts";
import { type JoinData, joinData } from "#contracts/api/rooms.ts";
import { launchChromium } from "./support/browser.ts";
import { enterRoomIn } from "./support/room-peer.ts";
import "./support/context.ts";

const stack = inject("stack");
const ROOM = "e2e-standup";
const TENANT = "acme";

/** What the app's backend does for a browser: join with the tenant key, hand the browser the answer. */
async function join(user: string): Promise<JoinData> {
  const res = await fetch(`${stack.workerUrl}/api/realtime/join`, {
    method: "POST",
    headers: {
      "x-tenant-id": TENANT,
      authorization: `Bearer ${stack.tenants.acme!.apiKey}`,
      "content-type": "application/json",
    },
    body: JSON.stringify({ room_id: ROOM, user_id: user, user_name: user }),
  });
  return apiSuccess(joinData).parse(await res.json()).data;
}

let browser: Browser;
const contexts: BrowserContext[] = [];
beforeAll(async () => {
  browser = await launchChromium({ media: true });
});
afterAll(async () => {
  await browser?.close();
});

type Participant = Awaited<ReturnType<typeof enterRoomIn>> & { joined: JoinData };

/** A browser context of its own (as another person's browser would be), in the room. */
async function participant(user: string): Promise<Participant> {
  const joined = await join(user);
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(`${stack.workerUrl}/healthz`);
  return { joined, ...(await enterRoomIn(page, joined, TENANT)) };
}

describe("a room of two, then three browsers", () => {
  let ada: Participant;
  let bob: Participant;
  let cleo: Participant;

  it("puts the first two peer-to-peer, connected through the local TURN server", async () => {
    ada = await participant("ada");
    bob = await participant("bob");
    expect([ada.joined.topology, bob.joined.topology]).toEqual(["p2p", "p2p"]);
    for (const peer of [ada, bob]) {
      await expect.poll(async () => (await peer.read()).connection, { timeout: 15_000 }).toBe("connected");
      // The other's message crosses the relayed data channel just opened: give it the bound the
      // relayed pair gets, not the poll's default second, which a loaded machine can outlast.
      await expect.poll(async () => (await peer.read()).received.length, { timeout: 10_000 }).toBe(1);
      // The selected pair shows in the stats shortly after the connection does.
      await expect.poll(async () => (await peer.read()).relayed, { timeout: 10_000 }).toBe(true);
      const view = await peer.read();
      expect(view.presence).toEqual(["ada", "bob"]);
    }
    expect((await ada.read()).received).toEqual(["hello from bob"]);
  });

  it("moves the room to the SFU when the third joins, and all three see each other", async () => {
    cleo = await participant("cleo");
    expect(cleo.joined.topology).toBe("sfu");
    expect(cleo.joined.sfu?.session_id).toEqual(expect.any(String));
    for (const peer of [ada, bob]) await expect.poll(async () => (await peer.read()).moves).toEqual(["sfu"]);
    for (const peer of [ada, bob, cleo]) {
      await expect.poll(async () => (await peer.read()).presence).toEqual(["ada", "bob", "cleo"]);
    }
    expect((await cleo.read()).topology).toBe("sfu");
  });

  it("carries everyone's camera through the local SFU: each browser decodes the other two", async () => {
    // What the app does on the move event: join again, and go on with the SFU session it gets.
    for (const peer of [ada, bob]) {
      const again = await join(peer.joined.user_id);
      expect(again.topology).toBe("sfu");
      await peer.rejoin(again);
    }
    const users = { ada, bob, cleo };
    for (const [user, peer] of Object.entries(users)) {
      const others = Object.keys(users).filter((u) => u !== user);
      await expect
        .poll(
          async () => {
            const view = await peer.read();
            if (view.errors.length > 0) throw new Error(`${user}: ${view.errors.join("; ")}`);
            return others.filter((other) => (view.decoded[other] ?? 0) > 0);
          },
          { timeout: 30_000, interval: 250 },
        )
        .toEqual(others);
    }
    const sessions = await Promise.all([ada, bob, cleo].map(async (p) => (await p.read()).session));
    expect(new Set(sessions).size).toBe(3);
    for (const peer of [ada, bob, cleo]) {
      await expect.poll(async () => (await peer.read()).presence).toEqual(["ada", "bob", "cleo"]);
    }
  });

  it("lets everyone see a participant leave", async () => {
    await contexts.pop()!.close();
    for (const peer of [ada, bob])
      await expect.poll(async () => (await peer.read()).presence).toEqual(["ada", "bob"]);
  });
});
