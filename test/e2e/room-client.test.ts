import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { JoinGrant } from "#client/browser.ts";
import { createServerClient } from "#client/server.ts";
import { launchChromium } from "./support/browser.ts";
import { CuttingProxy } from "./support/cutting-proxy.ts";
import { CuttingUdpProxy } from "./support/cutting-udp-proxy.ts";
import { joinWithClient, type MemberView, type RoomMember } from "./support/room-client-page.ts";
import "./support/context.ts";

const stack = inject("stack");
const TENANT = "acme";

/** The bound on media recovery after a network loss (the measured figures are in those tests' comments). */
const RECOVERY_BOUND_MS = 20_000;

/** The app's backend: it alone holds the tenant key, and mints each user's grant with `join`. */
const backendAt = (baseUrl: string) =>
  createServerClient({ baseUrl, tenant: TENANT, key: stack.tenants[TENANT]!.apiKey });

/** What a participant loses: the whole network, or the path its media takes only. */
type Loss = "all" | "media";

/**
 * A network that can go away, for one participant: the page's origin (so its API calls and room
 * socket) through a TCP proxy to the Worker, with the backend reached the same way (so the grant's
 * `ws_url` is on it and a renewal fails while it is cut), and its TURN traffic through a UDP proxy.
 */
class CutNetwork {
  readonly tcp = new CuttingProxy(new URL(stack.workerUrl));
  private udp: CuttingUdpProxy | undefined;

  constructor(private readonly room: string) {}

  async origin(): Promise<string> {
    return this.tcp.url || (await this.tcp.listen());
  }

  async grantFor(user: string): Promise<JoinGrant> {
    const backend = backendAt(await this.origin());
    return this.route(await backend.join({ room_id: this.room, user_id: user, user_name: user }));
  }

  /** The grant's TURN over UDP, pointed at the UDP proxy; its other transports left out so that nothing bypasses the cut. */
  private async route(grant: JoinGrant): Promise<JoinGrant> {
    const urls = grant.ice_servers
      .flatMap((s) => s.urls)
      .filter((u) => u.startsWith("turn:") && u.endsWith("transport=udp"));
    const [, host, port] = /^turn:([^:?]+):(\d+)/.exec(urls[0] ?? "") ?? [];
    if (!host || !port)
      throw new Error(`the grant has no TURN over UDP: ${JSON.stringify(grant.ice_servers)}`);
    if (!this.udp) {
      this.udp = new CuttingUdpProxy({ host, port: Number(port) });
      await this.udp.listen();
    }
    const proxied = `turn:127.0.0.1:${this.udp.port}?transport=udp`;
    return {
      ...grant,
      ice_servers: grant.ice_servers
        .filter((s) => s.username !== undefined)
        .map((s) => ({ ...s, urls: [proxied] })),
    };
  }

  /** Cuts everything, or only the `media` (TURN over UDP) while the page's HTTP and room socket go on. */
  cut(what: Loss = "all"): void {
    if (what === "all") this.tcp.cut();
    this.udp?.cut();
  }

  restore(): void {
    this.tcp.restore();
    this.udp?.restore();
  }

  async close(): Promise<void> {
    await this.tcp.close();
    this.udp?.close();
  }
}

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium({ media: true });
});
afterAll(async () => {
  await browser?.close();
});

/**
 * One room of this file, with a room id of its own so that its tests leave the other room alone:
 * its participants, each in a browser context of its own (as another person's browser would be),
 * and a network that one of them can be put on and that the test can cut.
 */
class TestRoom {
  readonly members: Record<string, RoomMember> = {};
  /** How many times each member's client asked the backend to renew its grant. */
  readonly renewals: Record<string, number> = {};
  readonly network: CutNetwork;

  constructor(readonly id: string) {
    this.network = new CutNetwork(id);
  }

  /**
   * Joins `user`, on the cuttable network when `cuttable`, else straight to the Worker, with
   * `prepare` run on its browser context before its page opens.
   */
  async join(
    user: string,
    {
      cuttable = false,
      prepare,
      shape = (grant) => grant,
    }: {
      cuttable?: boolean;
      prepare?: (context: BrowserContext) => Promise<unknown>;
      /** What the app's backend makes of each grant before the page gets it. */
      shape?: (grant: JoinGrant) => JoinGrant;
    } = {},
  ): Promise<RoomMember> {
    const context = await browser.newContext();
    await prepare?.(context);
    const direct = backendAt(stack.workerUrl);
    const mint = cuttable
      ? () => this.network.grantFor(user)
      : () => direct.join({ room_id: this.id, user_id: user, user_name: user });
    const origin = cuttable ? await this.network.origin() : stack.workerUrl;
    const renew = async () => {
      this.renewals[user] = (this.renewals[user] ?? 0) + 1;
      return shape(await mint());
    };
    this.members[user] = await joinWithClient(context, origin, shape(await mint()), renew);
    return this.members[user];
  }

  /**
   * Takes `member`'s whole network away (the page told it is offline, its TCP and UDP proxies cut),
   * or `only` its media's path (the UDP proxy), until its client has noticed, the video from `from`
   * has stopped and the page's view meets `until`, then gives it back. Resolves to when it came back.
   */
  async loseNetwork(
    member: RoomMember,
    from: string,
    { only = "all", until = () => true }: { only?: Loss; until?: (view: MemberView) => boolean } = {},
  ): Promise<number> {
    if (only === "all") await member.context.setOffline(true);
    this.network.cut(only);
    // The media has stopped, and the client noticed: not a loss the test only assumes.
    await expect.poll(async () => (await member.read()).media, { timeout: 30_000 }).not.toBe("connected");
    const stalled = (await member.read()).frames[from] ?? 0;
    await expect.poll(async () => (await member.read()).state).toBe("reconnecting");
    await expect.poll(async () => until(await member.read()), { timeout: 15_000 }).toBe(true);
    expect((await member.read()).frames[from] ?? 0).toBeLessThanOrEqual(stalled + 1);
    this.network.restore();
    if (only === "all") await member.context.setOffline(false);
    return Date.now();
  }

  async close(): Promise<void> {
    // Pages that keep decoding load the shared machine for the tests that follow.
    await Promise.all(Object.values(this.members).map((m) => m.context.close()));
    await this.network.close();
  }
}

/** Whether `member`'s view has grown enough, from `was` to `is`, for the participant `other`. */
type Growth = (was: MemberView, is: MemberView, other: string) => boolean;

/** At least `more` new video frames presented. */
const frames =
  (more = 10): Growth =>
  (was, is, other) =>
    (is.frames[other] ?? 0) - (was.frames[other] ?? 0) >= more;

/**
 * At least `seconds` more audio played, with sound in it: Chromium's fake microphone beeps, so
 * energy that does not grow means silence.
 */
const sound =
  (seconds = 1): Growth =>
  (was, is, other) => {
    const before = was.audio[other] ?? { samples: 0, energy: 0 };
    const now = is.audio[other] ?? { samples: 0, energy: 0 };
    // Opus in WebRTC is played out at 48 kHz.
    return now.samples - before.samples >= seconds * 48_000 && now.energy > before.energy;
  };

/** Video and audio both. */
const media: Growth = (was, is, other) => frames()(was, is, other) && sound()(was, is, other);

/** Waits until `member`'s view has grown by `growth` for each of `others` since the call, and returns the view. */
async function grows(
  member: RoomMember,
  others: string[],
  growth: Growth,
  timeout = 30_000,
): Promise<MemberView> {
  const before = await member.read();
  let view = before;
  await expect
    .poll(
      async () => {
        view = await member.read();
        return others.filter((other) => growth(before, view, other));
      },
      { timeout, interval: 200 },
    )
    .toEqual(others);
  return view;
}

/**
 * Each member plays the named others' video and sound again within the recovery bound, counted
 * from `since` (when the network came back), and the time it took is printed for the figures in
 * the tests' comments.
 */
async function playsAgain(label: string, since: number, flows: [RoomMember, string[]][]): Promise<void> {
  for (const [member, others] of flows) {
    await grows(member, others, media, RECOVERY_BOUND_MS - (Date.now() - since));
  }
  console.log(`${label}: media flowed both ways again ${Date.now() - since} ms after the network came back`);
}

/** Each member's connection is relayed through TURN and connected again. */
async function relayedAndConnected(selves: RoomMember[]): Promise<void> {
  for (const self of selves) {
    await expect.poll(async () => (await self.read()).relayed, { timeout: 10_000 }).toBe(true);
    await expect.poll(async () => (await self.read()).state).toBe("connected");
  }
}

describe("joinRoom: a room of two, then three browsers, through the client", () => {
  const room = new TestRoom("e2e-client-room");
  const { members } = room;
  afterAll(() => room.close());

  it("connects the first two peer-to-peer through TURN only, and each plays the other's camera and microphone", async () => {
    const ada = await room.join("ada");
    const bob = await room.join("bob", { cuttable: true });
    for (const [self, other] of [
      [ada, "bob"],
      [bob, "ada"],
    ] as const) {
      const view = await grows(self, [other], media);
      expect(view.topology).toBe("p2p");
      expect(view.participants).toEqual([other]);
      await expect.poll(async () => (await self.read()).relayed, { timeout: 10_000 }).toBe(true);
      await expect.poll(async () => (await self.read()).state).toBe("connected");
    }
    await bob.send("hello from bob");
    await expect.poll(async () => (await ada.read()).messages).toEqual(["bob:datachannel:hello from bob"]);
  });

  it("moves everyone to the SFU when a third joins, and each plays the other two's cameras and microphones", async () => {
    const cleo = await room.join("cleo");
    const users = Object.keys(members);
    for (const [user, member] of Object.entries(members)) {
      await expect.poll(async () => (await member.read()).topology, { timeout: 15_000 }).toBe("sfu");
      const others = users.filter((u) => u !== user);
      const view = await grows(member, others, media);
      expect(view.participants).toEqual(others);
      expect(view.warnings).toEqual([]);
    }
    await cleo.send("hello from cleo");
    for (const user of ["ada", "bob"])
      await expect
        .poll(async () => (await members[user]!.read()).messages)
        .toContain("cleo:socket:hello from cleo");
  });

  /**
   * Bob's whole network goes: his page's HTTP and room socket (through a TCP proxy that closes
   * every connection) and his media to TURN (through a UDP proxy that drops every datagram), with
   * the browser told it is offline. His SFU connection fails, his backend cannot be reached to
   * renew; when the network is back, the client renews, moves to a new SFU session and
   * republishes, and the others pull him again. Measured here under load on the shared 2-core
   * machine: 4–8 s from the network's return to video and sound both ways; the bound is 20 s.
   */
  it("plays again without a reload after a page loses its network and gets it back", async () => {
    const { bob, ada, cleo } = members as Record<string, RoomMember>;
    const since = await room.loseNetwork(bob!, "ada");
    await playsAgain("SFU", since, [
      [bob!, ["ada", "cleo"]],
      [ada!, ["bob"]],
      [cleo!, ["bob"]],
    ]);
    await expect.poll(async () => (await bob!.read()).state).toBe("connected");
  });

  /**
   * Dave's first publish never reaches the SFU: the browser drops his `tracks/new` offer, as a
   * network that fails at that moment would. Nothing is published on his session, so his client
   * moves to a new session (a renewal, after a backoff) and publishes there, and the others pull
   * him. Before, his room stayed on the session with nothing published, and nobody ever saw him.
   */
  it("publishes on a new session when the first publish to the SFU fails, and the others play it", async () => {
    let dropped = 0;
    const dave = await room.join("dave", {
      prepare: (context) =>
        context.route("**/api/realtime/sfu/sessions/*/tracks/new", (route) => {
          const offer = route.request().postDataJSON()?.sessionDescription?.type === "offer";
          if (offer && dropped++ === 0) return route.abort("connectionreset");
          return route.continue();
        }),
    });
    for (const user of ["ada", "bob", "cleo"]) await grows(members[user]!, ["dave"], media);
    await grows(dave, ["ada", "bob", "cleo"], media);
    expect((await dave.read()).warnings.join("\n")).toContain(
      "publishing to the SFU failed, trying a new session",
    );
    expect(dropped).toBe(2);
    expect(room.renewals.dave).toBe(1);
    await dave.leave();
    await dave.context.close();
    delete members.dave;
    for (const member of Object.values(members))
      await expect.poll(async () => (await member.read()).left).toContain("dave:closed");
  });

  it("lets the others see a participant leave, and removes its video", async () => {
    await members.cleo!.leave();
    for (const user of ["ada", "bob"]) {
      const member = members[user]!;
      await expect
        .poll(async () => (await member.read()).participants)
        .toEqual(["ada", "bob"].filter((u) => u !== user));
      await expect.poll(async () => (await member.read()).playing).not.toContain("cleo");
    }
    expect((await members.cleo!.read()).state).toBe("closed");
  });
});

describe("joinRoom: a peer-to-peer room of two, one of whom loses the network", () => {
  const room = new TestRoom("e2e-client-p2p-recovery");
  afterAll(() => room.close());

  /**
   * As in the SFU room, Eve's whole network goes (page offline, TCP and UDP proxies cut) until
   * her client notices, then comes back. Peer-to-peer there is no session to replace: her new
   * room socket starts a new connection between the two pages, through the TURN servers of their
   * grants. Measured here under load on the shared 2-core machine: 2.4–3.1 s from the network's
   * return to video and sound both ways; the bound is the same 20 s.
   */
  it("plays video and sound again both ways, still peer-to-peer, without a reload", async () => {
    const dan = await room.join("dan");
    const eve = await room.join("eve", { cuttable: true });
    await grows(dan, ["eve"], media);
    await grows(eve, ["dan"], media);
    const since = await room.loseNetwork(eve, "dan");
    await playsAgain("P2P", since, [
      [eve, ["dan"]],
      [dan, ["eve"]],
    ]);
    for (const [self, other] of [
      [dan, "eve"],
      [eve, "dan"],
    ] as const) {
      const view = await self.read();
      expect(view.topology).toBe("p2p");
      expect(view.participants).toEqual([other]);
    }
    await relayedAndConnected([dan, eve]);
  });

  /**
   * Only Eve's media path goes (her TURN traffic dropped) while her room socket stays up, as when a
   * network blocks UDP: both connections see it disconnected and restart their ICE, the offer
   * going over the socket, and the path comes back once Eve's connection has restarted, which
   * then gathers new candidates through TURN. Measured here under load on the shared 2-core
   * machine: 3.9–5.1 s from the path's return to video and sound both ways; the bound is the same
   * 20 s.
   */
  it("restarts ICE through TURN when only the media's path is lost, and plays again both ways", async () => {
    const { dan, eve } = room.members as Record<string, RoomMember>;
    const ufrag = (await eve!.read()).iceUfrag;
    const since = await room.loseNetwork(eve!, "dan", {
      only: "media",
      until: (view) => view.iceUfrag !== ufrag,
    });
    await playsAgain("P2P, media path only", since, [
      [eve!, ["dan"]],
      [dan!, ["eve"]],
    ]);
    await relayedAndConnected([dan!, eve!]);
  });

  /**
   * Eve's connections to the Worker stop silently (the TCP proxy holds what either end sends, and
   * closes nothing), as when a NAT forgets them: the browser keeps her room socket open. Her client
   * sees its ping unanswered for a heartbeat interval (10 s) and opens a new socket, which comes
   * back before the room's presence timeout (30 s) would count her gone, and its welcome starts a
   * new connection with Dan. Before, her socket stayed open and dead, the room counted her gone,
   * and neither page noticed why. Measured here: a new socket 17.2 to 17.7 s after the stall, and
   * video and sound both ways 2.1 s after that.
   */
  it("replaces a room socket that stopped answering before the room counts the participant gone", async () => {
    const { dan, eve } = room.members as Record<string, RoomMember>;
    const before = (await eve!.read()).states.length;
    const leftBefore = (await dan!.read()).left.length;
    room.network.tcp.stall();
    const stalled = Date.now();
    // The heartbeat runs every 10 s, so a dead socket is noticed 10 to 20 s after it died.
    await expect
      .poll(
        async () => {
          const view = await eve!.read();
          return { noticed: view.states.slice(before).includes("reconnecting"), state: view.state };
        },
        { timeout: 30_000, interval: 500 },
      )
      .toEqual({ noticed: true, state: "connected" });
    const back = Date.now();
    console.log(`room socket: a new one open ${back - stalled} ms after the old one stalled`);
    await playsAgain("P2P, after a new room socket", back, [
      [eve!, ["dan"]],
      [dan!, ["eve"]],
    ]);
    // Her new socket replaced the stalled one in the room, which so never timed her out.
    expect((await dan!.read()).left.slice(leftBefore)).toEqual([]);
    expect((await dan!.read()).participants).toEqual(["eve"]);
    await relayedAndConnected([dan!, eve!]);
  });
});

describe("joinRoom: a device whose clock is two hours ahead", () => {
  const room = new TestRoom("e2e-client-clock-ahead");
  afterAll(() => room.close());

  /**
   * Fay's page reads the time two hours ahead, so by her clock every grant has expired. The client
   * counts a renewed grant from its lifetime (`expires_in`) instead: it renews once, since the first
   * grant may have waited in the app, and then not for most of an hour. Before, it renewed back to
   * back, one join on the Worker after another, for as long as the page was open.
   */
  const twoHoursAhead = (context: BrowserContext) =>
    context.addInitScript(() => {
      const now = Date.now.bind(Date);
      Date.now = () => now() + 2 * 3_600_000;
    });

  it("renews once, not back to back, and stays connected, with grants with or without expires_in", async () => {
    const fay = await room.join("fay", { prepare: twoHoursAhead });
    // A backend on an older server client drops the field it does not know.
    const gus = await room.join("gus", {
      prepare: twoHoursAhead,
      shape: ({ expires_in: _, ...grant }) => grant as JoinGrant,
    });
    for (const [user, member] of [
      ["fay", fay],
      ["gus", gus],
    ] as const) {
      await expect.poll(() => room.renewals[user] ?? 0).toBe(1);
      await expect.poll(async () => (await member.read()).state).toBe("connected");
    }
    // That no renewal follows can only be seen over time; the old client made dozens a second.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect([room.renewals.fay, room.renewals.gus]).toEqual([1, 1]);
    expect((await fay.read()).warnings).toEqual([]);
    expect((await gus.read()).warnings).toEqual([]);
  });
});
