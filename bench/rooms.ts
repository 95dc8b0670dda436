import type { Browser } from "playwright-core";
import WebSocket from "ws";
import type { JoinGrant } from "#client/browser.ts";
import { createServerClient } from "#client/server.ts";
import type { JoinData } from "#contracts/api/rooms.ts";
import { launchChromium } from "#test/e2e/support/browser.ts";
import { joinWithClient, type RoomMember } from "#test/e2e/support/room-client-page.ts";
import { numberFlags } from "./args.ts";
import { benchStack } from "./local-stack.ts";
import { quantiles } from "./worker-harness.ts";

/**
 * Room broadcast latency: N participants join one room and hold its socket; one after another
 * each sends an event, and the time until every other participant has it is measured. Then media:
 * Chromium pages join through the client's `joinRoom` (camera, relay-only TURN), and the time from
 * the `joinRoom` call to the first remote video frame the page presents is measured, for the
 * second participant of a peer-to-peer room and for the third, who joins on the SFU.
 */
const USAGE = "Usage: npm run bench:rooms -- [--participants 50] [--rounds 4] [--media-rounds 3]";
const {
  participants,
  rounds,
  "media-rounds": mediaRounds,
} = numberFlags(USAGE, {
  participants: { default: 50, min: 2, max: 500 },
  rounds: { default: 4, min: 1, max: 1_000 },
  "media-rounds": { default: 3, min: 0, max: 50 },
});
const FIRST_FRAME_DEADLINE_MS = 60_000;

const DELIVERY_DEADLINE_MS = 10_000;
type Outputs = { tenants: Record<string, { apiKey: string }> };

/** A participant's socket, with a waiter for the next event from a given sender. */
function connect(joined: JoinData) {
  const ws = new WebSocket(`${joined.ws_url}?token=${encodeURIComponent(joined.token)}`);
  const waiters = new Map<string, (at: number) => void>();
  ws.on("message", (raw) => {
    const at = performance.now();
    const message = JSON.parse(String(raw)) as { type: string; data?: { id?: string } };
    const id = message.type === "event" ? message.data?.id : undefined;
    if (id) waiters.get(id)?.(at);
  });
  return {
    ws,
    open: new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    }),
    expect: (id: string) => new Promise<number>((resolve) => waiters.set(id, resolve)),
  };
}

/** Resolves when `member` has presented a frame from each of `others`: ms from its joinRoom call to the first. */
async function firstFrame(member: RoomMember, others: string[]): Promise<number> {
  const deadline = Date.now() + FIRST_FRAME_DEADLINE_MS;
  for (;;) {
    const { firstFrameMs, warnings } = await member.read();
    if (others.every((o) => firstFrameMs[o] !== undefined))
      return Math.min(...others.map((o) => firstFrameMs[o]!));
    if (Date.now() > deadline) throw new Error(`no frame from ${others.join(", ")}: ${warnings.join("; ")}`);
    await member.page.waitForTimeout(50);
  }
}

const bench = await benchStack({ turn: true, media: true });
try {
  const { local } = bench;
  const [tenantId, tenant] = Object.entries((local.outputs as Outputs).tenants)[0]!;
  const backend = createServerClient({ baseUrl: local.worker.url, tenant: tenantId, key: tenant.apiKey });
  const join = (user: string, room = "bench") =>
    backend.join({ room_id: room, user_id: user, user_name: user });
  const joined: JoinData[] = [];
  for (let i = 0; i < participants; i++) joined.push(await join(`user-${i}`));
  const sockets = joined.map(connect);
  await Promise.all(sockets.map((s) => s.open));
  console.log(
    `${participants} participants in ${tenantId}/bench (topology ${joined.at(-1)!.topology}); ${rounds} rounds, each participant sending once per round\n`,
  );

  const perDelivery: number[] = [];
  const wholeRoom: number[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const [i, sender] of sockets.entries()) {
      const id = `${round}-${i}`;
      const arrivals = sockets.filter((s) => s !== sender).map((s) => s.expect(id));
      const sentAt = performance.now();
      sender.ws.send(JSON.stringify({ type: "event", data: { id } }));
      const deadline = new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error(`event ${id} did not reach everyone`)),
          DELIVERY_DEADLINE_MS,
        ).unref(),
      );
      const times = (await Promise.race([Promise.all(arrivals), deadline])).map((at) => at - sentAt);
      perDelivery.push(...times);
      wholeRoom.push(Math.max(...times));
    }
  }
  const each = quantiles(perDelivery);
  const all = quantiles(wholeRoom);
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  console.log(
    `send → each other participant (${perDelivery.length} deliveries):  p50 ${ms(each.p50)}  p99 ${ms(each.p99)}`,
  );
  console.log(
    `send → whole room has it (${wholeRoom.length} broadcasts):          p50 ${ms(all.p50)}  p99 ${ms(all.p99)}`,
  );
  for (const s of sockets) s.ws.close();

  if (mediaRounds > 0) {
    const browser: Browser = await launchChromium({ media: true });
    const p2p: number[] = [];
    const sfu: number[] = [];
    try {
      for (let round = 0; round < mediaRounds; round++) {
        const room = `bench-media-${round}`;
        const members: RoomMember[] = [];
        const enter = async (user: string) => {
          const mint = (): Promise<JoinGrant> => join(user, room);
          const member = await joinWithClient(
            await browser.newContext(),
            local.worker.url,
            await mint(),
            mint,
          );
          members.push(member);
          return member;
        };
        await enter("ada");
        p2p.push(await firstFrame(await enter("bob"), ["ada"]));
        sfu.push(await firstFrame(await enter("cleo"), ["ada", "bob"]));
        for (const member of members) await member.context.close();
      }
    } finally {
      await browser.close();
    }
    const first = (values: number[]) => {
      const q = quantiles(values);
      return `p50 ${ms(q.p50)}  max ${ms(Math.max(...values))}`;
    };
    console.log(
      `\njoinRoom → first remote video frame presented (${mediaRounds} rounds, relay-only TURN, fake camera 320×240 at 15 fps):`,
    );
    console.log(`  peer-to-peer, second participant:   ${first(p2p)}`);
    console.log(`  SFU, third participant:             ${first(sfu)}`);
  }
} finally {
  await bench.close();
}
