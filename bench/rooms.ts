import WebSocket from "ws";
import { apiSuccess } from "#contracts/api/envelope.ts";
import { type JoinData, joinData } from "#contracts/api/rooms.ts";
import { numberFlags } from "./args.ts";
import { benchStack } from "./local-stack.ts";
import { quantiles } from "./worker-harness.ts";

/**
 * Room broadcast latency: N participants join one room and hold its socket; one after another
 * each sends an event, and the time until every other participant has it is measured.
 */
const USAGE = "Usage: npm run bench:rooms -- [--participants 50] [--rounds 4]";
const { participants, rounds } = numberFlags(USAGE, {
  participants: { default: 50, min: 2, max: 500 },
  rounds: { default: 4, min: 1, max: 1_000 },
});

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

const bench = await benchStack();
try {
  const { local } = bench;
  const [tenantId, tenant] = Object.entries((local.outputs as Outputs).tenants)[0]!;
  const join = async (user: string) => {
    const res = await fetch(`${local.worker.url}/api/realtime/join`, {
      method: "POST",
      headers: {
        "x-tenant-id": tenantId,
        authorization: `Bearer ${tenant.apiKey}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ room_id: "bench", user_id: user, user_name: user }),
    });
    return apiSuccess(joinData).parse(await res.json()).data;
  };
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
} finally {
  await bench.close();
}
