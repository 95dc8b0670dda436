import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import type { Plan } from "#emulator/core/config.ts";
import { LocalWorker, type WorkerSpec } from "../worker-runner.ts";
import { INVOCATION_LIMITS } from "./limits.ts";

/**
 * A small Worker that spends subrequests on request: `n` fetches to an upstream, `n` Durable Object
 * RPC calls, or both; and a Durable Object that spends its own. Each answer says how many calls went
 * through before the first refusal, and the refusal's message.
 */
const WORKER = `
  import { DurableObject } from "cloudflare:workers";

  async function spend(call, n) {
    let ok = 0;
    for (let i = 0; i < n; i++) {
      try {
        const res = await call();
        if (res instanceof Response) await res.arrayBuffer();
        ok++;
      } catch (e) {
        return { ok, error: e.message };
      }
    }
    return { ok };
  }

  export class Counter extends DurableObject {
    async bump() { return 1; }
    async fetch(request) {
      if (request.headers.get("upgrade") === "websocket") {
        const [client, server] = Object.values(new WebSocketPair());
        this.ctx.acceptWebSocket(server);
        return new Response(null, { status: 101, webSocket: client });
      }
      const n = Number(new URL(request.url).searchParams.get("n"));
      return Response.json(await spend(() => fetch(this.env.UPSTREAM), n));
    }
    /** Each message is an invocation of its own: it may spend a full budget. */
    async webSocketMessage(ws, message) {
      ws.send(JSON.stringify(await spend(() => fetch(this.env.UPSTREAM), Number(message))));
    }
  }

  export default {
    async fetch(request, env) {
      const url = new URL(request.url);
      const n = Number(url.searchParams.get("n") ?? 0);
      const stub = env.COUNTER.get(env.COUNTER.idFromName("one"));
      switch (url.pathname) {
        case "/fetch":
          return Response.json(await spend(() => fetch(env.UPSTREAM), n));
        case "/rpc":
          return Response.json(await spend(() => stub.bump(), n));
        case "/rpc-then-fetch": {
          const rpc = await spend(() => stub.bump(), n);
          const external = await spend(() => fetch(env.UPSTREAM), Number(url.searchParams.get("fetches")));
          return Response.json({ rpc, external });
        }
        case "/inside":
          return stub.fetch("http://counter/?n=" + n);
        case "/ws":
          return stub.fetch(request);
      }
      return new Response("not found", { status: 404 });
    },
    async scheduled(_controller, env) {
      const result = await spend(() => fetch(env.UPSTREAM), Number(env.CRON_FETCHES));
      if (result.error) throw new Error(result.error);
    },
  };
`;

let upstream: Server;
let upstreamUrl = "";
let upstreamHits = 0;

beforeAll(async () => {
  upstream = createServer((_req, res) => {
    upstreamHits += 1;
    res.end("ok");
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => upstream.close(() => resolve())));

const spec = (cronFetches: number): WorkerSpec => ({
  mainModule: "index.js",
  compatibilityDate: "2026-04-01",
  compatibilityFlags: [],
  content: WORKER,
  bindings: [
    { type: "plain_text", name: "UPSTREAM", text: upstreamUrl },
    { type: "plain_text", name: "CRON_FETCHES", text: String(cronFetches) },
    { type: "durable_object_namespace", name: "COUNTER", className: "Counter" },
  ],
});

/** A deployed Worker under `plan`, and a way to call a path of it. */
function useWorker(plan: Plan, cronFetches: number) {
  const ctx = {} as { worker: LocalWorker; call: (path: string) => Promise<unknown> };
  beforeAll(async () => {
    ctx.worker = new LocalWorker({ plan, quiet: true });
    const url = await ctx.worker.listen();
    await ctx.worker.deploy(spec(cronFetches));
    ctx.call = async (path) => (await fetch(`${url}${path}`)).json();
  });
  afterAll(() => ctx.worker.close());
  return ctx;
}

const { external, internal } = INVOCATION_LIMITS.free.messages;

describe("the local Worker on Workers Free", () => {
  const ctx = useWorker("free", 51);

  it("refuses the 51st fetch() of one request with Cloudflare's error, sending nothing upstream", async () => {
    const before = upstreamHits;
    expect(await ctx.call("/fetch?n=60")).toEqual({ ok: 50, error: external });
    expect(upstreamHits - before).toBe(50);
    expect(external).toMatch(/^Too many subrequests by single Worker invocation\./);
  });

  it("gives every request a budget of its own", async () => {
    expect(await ctx.call("/fetch?n=50")).toEqual({ ok: 50 });
    expect(await ctx.call("/fetch?n=50")).toEqual({ ok: 50 });
  });

  it("counts Durable Object calls apart from fetch(): 1,000 of them, then Cloudflare's error", async () => {
    expect(await ctx.call("/rpc?n=1001")).toEqual({ ok: 1000, error: internal });
    expect(await ctx.call("/rpc-then-fetch?n=1000&fetches=51")).toEqual({
      rpc: { ok: 1000 },
      external: { ok: 50, error: external },
    });
  });

  it("gives a Durable Object's own request its own budget", async () => {
    expect(await ctx.call("/inside?n=51")).toEqual({ ok: 50, error: external });
  });

  it("serves a hibernatable WebSocket, each message a budget of its own", async () => {
    const ws = new WebSocket(`${ctx.worker.url.replace("http", "ws")}/ws`);
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    const answer = (n: number) =>
      new Promise<unknown>((resolve) => {
        ws.once("message", (data) => resolve(JSON.parse(String(data))));
        ws.send(String(n));
      });
    expect(await answer(50)).toEqual({ ok: 50 });
    expect(await answer(51)).toEqual({ ok: 50, error: external });
    ws.close();
  });

  it("fails a cron run whose handler needs a 51st fetch()", async () => {
    await expect(ctx.worker.runScheduled("* * * * *")).rejects.toThrow(/scheduled handler failed/);
  });
});

describe("the local Worker on Workers Paid", () => {
  const ctx = useWorker("paid", 51);

  it("takes what Free refuses: 60 fetches, 1,001 Durable Object calls, and the cron run", async () => {
    expect(await ctx.call("/fetch?n=60")).toEqual({ ok: 60 });
    expect(await ctx.call("/rpc?n=1001")).toEqual({ ok: 1001 });
    await ctx.worker.runScheduled("* * * * *");
  });

  it("counts fetch() and Durable Object calls in one pool of 10,000", async () => {
    const limit = INVOCATION_LIMITS.paid.combined!;
    expect(await ctx.call(`/rpc-then-fetch?n=${limit - 1}&fetches=2`)).toEqual({
      rpc: { ok: limit - 1 },
      external: { ok: 1, error: external },
    });
  });
});
