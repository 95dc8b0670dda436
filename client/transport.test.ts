import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError, createServerClient } from "./server.ts";

/**
 * How a call that ends without a whole answer is typed, against a real HTTP server on loopback and
 * Node's own fetch: the answer's headers arrive, then its body stalls or the connection drops.
 * The error says why (the deadline, the caller's signal, the network) whether the request or the
 * body was cut short, since a caller retries the first and third but not the second.
 */
let server: Server;
let baseUrl: string;
/** Whether the server drops the connection once the body has begun, or lets it stall. */
let dropBody = false;
let requests = 0;

beforeAll(async () => {
  // Headers and the start of a JSON body, then nothing more.
  server = createServer((_req, res) => {
    requests++;
    res.writeHead(200, { "content-type": "application/json" });
    res.write('{"success":true,"data":{');
    if (dropBody) setTimeout(() => res.socket?.destroy(), 20);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** The error a call fails with, and how many requests it sent for it. */
async function failure(call: () => Promise<unknown>): Promise<{ error: ApiError; sent: number }> {
  const before = requests;
  const error = await call().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  return { error: error as ApiError, sent: requests - before };
}

const client = (fetchImpl?: typeof fetch) =>
  createServerClient({ baseUrl, tenant: "acme", key: "k", ...(fetchImpl ? { fetch: fetchImpl } : {}) });

// With retries on in each: a GET's network error would be tried again, a call its caller ended never.
const retry = { attempts: 3 };

describe("an answer cut short after its headers", () => {
  it("by the caller's signal is aborted, not a network error, and not retried", async () => {
    dropBody = false;
    const controller = new AbortController();
    // Aborted once the client has the headers, while the body stalls.
    let headersIn = () => {};
    const answered = new Promise<void>((resolve) => {
      headersIn = resolve;
    });
    const noting: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      headersIn();
      return res;
    };
    const call = failure(() => client(noting).healthz({}, { signal: controller.signal, retry }));
    await answered;
    controller.abort();
    expect(await call).toMatchObject({
      sent: 1,
      error: { code: "aborted", status: 200, reason: "the caller aborted the call" },
    });
  });

  it("by the deadline, the client's or the caller's own signal of AbortSignal.timeout, is a timeout", async () => {
    dropBody = false;
    const timedOut = { code: "timeout", status: 200, reason: "the answer was cut off by the deadline" };
    expect(await failure(() => client().healthz({}, { timeoutMs: 300 }))).toMatchObject({ error: timedOut });
    const signal = AbortSignal.timeout(300);
    expect(await failure(() => client().healthz({}, { signal, retry }))).toMatchObject({
      sent: 1,
      error: timedOut,
    });
  });

  it("by the connection dropping is a network error", async () => {
    dropBody = true;
    expect(await failure(() => client().healthz())).toMatchObject({
      error: { code: "network_error", status: 200, reason: "the answer was cut off" },
    });
  });
});

describe("a request cut short before any answer", () => {
  it("by the caller's signal is aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    expect(await failure(() => client().healthz({}, { signal: controller.signal }))).toMatchObject({
      error: { code: "aborted", status: 0 },
    });
  });
});
