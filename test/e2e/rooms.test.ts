import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { apiSuccess } from "../../contracts/api/envelope.ts";
import { type JoinData, joinData } from "../../contracts/api/rooms.ts";
import { launchChromium } from "./support/browser.ts";
import { enterRoomIn, type PeerView } from "./support/room-peer.ts";
import "./support/context.ts";

const stack = inject("stack");
const ROOM = "e2e-standup";

/** What the app's backend does for a browser: join with the tenant key, hand the browser the answer. */
async function join(user: string): Promise<JoinData> {
  const res = await fetch(`${stack.workerUrl}/api/realtime/join`, {
    method: "POST",
    headers: {
      "x-tenant-id": "acme",
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
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/** A browser context of its own (as another person's browser would be), in the room. */
async function participant(user: string) {
  const joined = await join(user);
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(`${stack.workerUrl}/healthz`);
  return { joined, read: await enterRoomIn(page, joined) };
}

describe("a room of two, then three browsers", () => {
  let ada: { joined: JoinData; read: () => Promise<PeerView> };
  let bob: { joined: JoinData; read: () => Promise<PeerView> };

  it("puts the first two peer-to-peer, connected through the local TURN server", async () => {
    ada = await participant("ada");
    bob = await participant("bob");
    expect([ada.joined.topology, bob.joined.topology]).toEqual(["p2p", "p2p"]);
    for (const peer of [ada, bob]) {
      await expect.poll(async () => (await peer.read()).connection, { timeout: 15_000 }).toBe("connected");
      await expect.poll(async () => (await peer.read()).received.length).toBe(1);
      // The selected pair shows in the stats shortly after the connection does.
      await expect.poll(async () => (await peer.read()).relayed, { timeout: 10_000 }).toBe(true);
      const view = await peer.read();
      expect(view.presence).toEqual(["ada", "bob"]);
    }
    expect((await ada.read()).received).toEqual(["hello from bob"]);
  });

  it("moves the room to the SFU when the third joins, and all three see each other", async () => {
    const cleo = await participant("cleo");
    expect(cleo.joined.topology).toBe("sfu");
    expect(cleo.joined.sfu?.session_id).toEqual(expect.any(String));
    for (const peer of [ada, bob]) await expect.poll(async () => (await peer.read()).moves).toEqual(["sfu"]);
    for (const peer of [ada, bob, cleo]) {
      await expect.poll(async () => (await peer.read()).presence).toEqual(["ada", "bob", "cleo"]);
    }
    expect((await cleo.read()).topology).toBe("sfu");
  });

  it("lets everyone see a participant leave", async () => {
    await contexts.pop()!.close();
    for (const peer of [ada, bob])
      await expect.poll(async () => (await peer.read()).presence).toEqual(["ada", "bob"]);
  });
});
