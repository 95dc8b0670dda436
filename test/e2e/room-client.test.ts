import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createServerClient } from "#client/server.ts";
import { launchChromium } from "./support/browser.ts";
import { joinWithClient, type MemberView, type RoomMember } from "./support/room-client-page.ts";
import "./support/context.ts";

const stack = inject("stack");
const TENANT = "acme";
const ROOM = "e2e-client-room";

/** The app's backend: it alone holds the tenant key, and mints each user's grant with `join`. */
const backend = createServerClient({
  baseUrl: stack.workerUrl,
  tenant: TENANT,
  key: stack.tenants[TENANT]!.apiKey,
});
const grantFor = (user: string) => backend.join({ room_id: ROOM, user_id: user, user_name: user });

let browser: Browser;
const members: Record<string, RoomMember> = {};
beforeAll(async () => {
  browser = await launchChromium({ media: true });
});
afterAll(async () => {
  await browser?.close();
});

async function join(user: string): Promise<RoomMember> {
  const context = await browser.newContext();
  members[user] = await joinWithClient(context, stack.workerUrl, TENANT, await grantFor(user), () =>
    grantFor(user),
  );
  return members[user];
}

/** Waits until `member` has presented at least `more` new frames from each of `others`, and returns the view. */
async function framesGrow(
  member: RoomMember,
  others: string[],
  more = 10,
  timeout = 30_000,
): Promise<MemberView> {
  const before = (await member.read()).frames;
  let view: MemberView | undefined;
  await expect
    .poll(
      async () => {
        const now = await member.read();
        view = now;
        return others.filter((o) => (now.frames[o] ?? 0) - (before[o] ?? 0) >= more);
      },
      { timeout, interval: 200 },
    )
    .toEqual(others);
  return view!;
}

describe("joinRoom: a room of two, then three browsers, through the client", () => {
  it("connects the first two peer-to-peer through TURN only, and each plays the other's camera", async () => {
    const ada = await join("ada");
    const bob = await join("bob");
    for (const [self, other] of [
      [ada, "bob"],
      [bob, "ada"],
    ] as const) {
      const view = await framesGrow(self, [other]);
      expect(view.topology).toBe("p2p");
      expect(view.participants).toEqual([other]);
      await expect.poll(async () => (await self.read()).relayed, { timeout: 10_000 }).toBe(true);
      await expect.poll(async () => (await self.read()).state).toBe("connected");
    }
    await bob.send("hello from bob");
    await expect.poll(async () => (await ada.read()).messages).toEqual(["bob:datachannel:hello from bob"]);
  });

  it("moves everyone to the SFU when a third joins, and each plays the other two", async () => {
    const cleo = await join("cleo");
    const users = Object.keys(members);
    for (const [user, member] of Object.entries(members)) {
      await expect.poll(async () => (await member.read()).topology, { timeout: 15_000 }).toBe("sfu");
      const others = users.filter((u) => u !== user);
      const view = await framesGrow(member, others);
      expect(view.participants).toEqual(others);
      expect(view.warnings).toEqual([]);
    }
    await cleo.send("hello from cleo");
    for (const user of ["ada", "bob"])
      await expect
        .poll(async () => (await members[user]!.read()).messages)
        .toContain("cleo:socket:hello from cleo");
  });

  it("plays again without a reload after a page loses its network and gets it back", async () => {
    const { bob, ada } = members as Record<string, RoomMember>;
    await bob!.context.setOffline(true);
    const t0 = Date.now();
    let last = (await bob!.read()).frames.ada ?? 0;
    let stalled = false;
    while (Date.now() - t0 < 15_000 && !stalled) {
      await bob!.page.waitForTimeout(1000);
      const now = (await bob!.read()).frames.ada ?? 0;
      console.log("offline", Date.now() - t0, now - last, JSON.stringify((await bob!.read()).state));
      stalled = now === last;
      last = now;
    }
    console.log("stalled", stalled);
    await bob!.context.setOffline(false);
    const since = Date.now();
    await framesGrow(bob!, ["ada", "cleo"], 10, 30_000);
    await framesGrow(ada!, ["bob"], 10, 30_000);
    console.log(`media back ${Date.now() - since} ms after the network`);
  });

  it("lets the others see a participant leave, and stop its tracks", async () => {
    await members.cleo!.leave();
    for (const user of ["ada", "bob"])
      await expect
        .poll(async () => (await members[user]!.read()).participants)
        .toEqual(["ada", "bob"].filter((u) => u !== user));
  });
});
