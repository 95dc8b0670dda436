import { describe, expect, it } from "vitest";
import { ApiError } from "./api-error.ts";
import type { EventStream } from "./event-stream.ts";
import { type ChannelFeedState, type WatchClient, watchChannels } from "./watch-channels.ts";

/**
 * The watch's reconnection, against a client whose every stream the Worker accepts and then ends
 * with `failure` before any event (the transport's own typing of such ends is event-stream.test.ts's):
 * the waits between attempts, as the watch announces them in its `reconnecting` feed.
 */
function failingClient(failure: ApiError) {
  const calls = { streams: 0, polls: 0 };
  const stream: EventStream<never> = {
    requestId: undefined,
    close: () => {},
    // biome-ignore lint/correctness/useYield: a stream that ends before its first event.
    async *[Symbol.asyncIterator]() {
      throw failure;
    },
  };
  const client = {
    streamEvents: async () => {
      calls.streams += 1;
      return stream;
    },
    streamStatus: async () => {
      calls.polls += 1;
      return { channels: [] };
    },
  } as unknown as WatchClient;
  return { client, calls };
}

/** The waits the watch announced before its first `count` reconnections. */
function announcedWaits(client: WatchClient, backoffMs: number[], count: number): Promise<number[]> {
  return new Promise((resolve) => {
    const waits: number[] = [];
    const watch = watchChannels(
      client,
      ["main"],
      {
        status: () => {},
        feed: (_channel, state: ChannelFeedState) => {
          if (state.kind !== "reconnecting") return;
          waits.push(state.retryAt - Date.now());
          if (waits.length === count) {
            watch.stop();
            resolve(waits);
          }
        },
      },
      { backoffMs },
    );
  });
}

const contractBreak = new ApiError(
  "GET /api/stream/events",
  "invalid_response",
  200,
  "an event does not match",
);

describe("watchChannels' reconnection", () => {
  it("keeps backing off while streams are accepted and then end before any event, polling once", async () => {
    const { client, calls } = failingClient(contractBreak);
    const waits = await announcedWaits(client, [20, 40, 80], 4);
    // ±20 % jitter around each step of the backoff; the last step repeats.
    const steps = [20, 40, 80, 80];
    waits.forEach((wait, i) => {
      expect(wait).toBeGreaterThanOrEqual(steps[i]! * 0.8 - 2);
      expect(wait).toBeLessThanOrEqual(steps[i]! * 1.2 + 2);
    });
    expect(calls.polls).toBe(1);
  });

  it("waits at least as long as a 429's Retry-After", async () => {
    const limited = new ApiError("GET /api/stream/events", "rate_limited", 429, "slow down", {
      retryAfter: 1,
    });
    const [wait] = await announcedWaits(failingClient(limited).client, [20], 1);
    expect(wait).toBeGreaterThanOrEqual(990);
  });

  it("given a signal already aborted, never connects", () => {
    const { client, calls } = failingClient(contractBreak);
    const controller = new AbortController();
    controller.abort();
    // The watch asks for each channel's stream before it returns, so nothing asked now never will be.
    watchChannels(client, ["main"], { status: () => {} }, { signal: controller.signal });
    expect(calls).toEqual({ streams: 0, polls: 0 });
  });
});
