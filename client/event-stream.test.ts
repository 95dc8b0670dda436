import { getEventListeners } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SSE_HEADERS, SSE_HEARTBEAT } from "#contracts/sse.ts";
import { ApiError, createServerClient } from "./server.ts";

/**
 * How an open event stream ends, against a real HTTP server on loopback and Node's own fetch: the
 * stream opens with a heartbeat, then does what the test's path says. Whatever ends it reaches the
 * iterating caller as an ApiError with the code a call would get, and `close()` ends it quietly.
 */
let server: Server;
let baseUrl: string;
/** What the server does after the first heartbeat, by the channel asked for. */
const AFTER_HEARTBEAT: Record<string, (write: (text: string) => void, drop: () => void) => void> = {
  stall: () => {},
  drop: (_write, drop) => setTimeout(drop, 20),
  "not-json": (write) => write("id: 1\nevent: status\ndata: {not json\n\n"),
  "off-contract": (write) => write('id: 1\nevent: status\ndata: {"channel":7}\n\n'),
};

beforeAll(async () => {
  server = createServer((req, res) => {
    res.writeHead(200, SSE_HEADERS);
    res.write(SSE_HEARTBEAT);
    const channel = new URL(req.url!, "http://x").searchParams.get("channel")!;
    AFTER_HEARTBEAT[channel]!(
      (text) => res.write(text),
      () => res.socket?.destroy(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const client = () => createServerClient({ baseUrl, tenant: "acme", key: "k" });

/** Iterates the stream to its end: what it yielded, and the error it ended with, if any. */
async function drain(
  stream: AsyncIterable<unknown>,
  afterFirst?: () => void,
): Promise<{ yielded: number; error?: unknown }> {
  let yielded = 0;
  try {
    for await (const _ of stream) {
      yielded += 1;
      if (yielded === 1) afterFirst?.();
    }
    return { yielded };
  } catch (error) {
    return { yielded, error };
  }
}

describe("an open event stream", () => {
  it("closed by its caller ends without an error, and leaves no listener on the caller's signal", async () => {
    const controller = new AbortController();
    const stream = await client().streamEvents({ channel: "stall" }, { signal: controller.signal });
    const ended = await drain(stream, () => stream.close());
    expect(ended).toEqual({ yielded: 1 });
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  it("ended by the caller's signal is aborted, or a timeout when the signal is AbortSignal.timeout's", async () => {
    const controller = new AbortController();
    const aborted = await client().streamEvents({ channel: "stall" }, { signal: controller.signal });
    const { error } = await drain(aborted, () => controller.abort());
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: "aborted", status: 200 });

    const timed = await client().streamEvents({ channel: "stall" }, { signal: AbortSignal.timeout(200) });
    expect((await drain(timed)).error).toMatchObject({
      code: "timeout",
      status: 200,
      reason: "the stream was cut off by the deadline",
    });
  });

  it("cut off by the network is a network error", async () => {
    const { error } = await drain(await client().streamEvents({ channel: "drop" }));
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: "network_error", status: 200, reason: "the stream was cut off" });
  });

  it("carrying an event that is not JSON, or not the contract's, ends with invalid_response", async () => {
    for (const channel of ["not-json", "off-contract"]) {
      const { yielded, error } = await drain(await client().streamEvents({ channel }));
      expect(yielded, channel).toBe(1); // the heartbeat only
      expect(error, channel).toBeInstanceOf(ApiError);
      expect(error, channel).toMatchObject({ code: "invalid_response", status: 200 });
    }
  });
});
