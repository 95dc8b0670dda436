import type * as z from "zod/mini";
import { SseReader } from "#contracts/sse.ts";

/** One server-sent event, its `data` checked with the route's schema; a heartbeat has no data. */
export type StreamEvent<T> = { type: "event"; event: string; id?: string; data: T } | { type: "heartbeat" };

/** An open event stream: iterate its events; `close()` ends it (and the iteration). */
export interface EventStream<T> extends AsyncIterable<StreamEvent<T>> {
  readonly requestId: string | undefined;
  close(): void;
}

/**
 * Reads `body` as server-sent events. A `data` that does not match `schema` ends the stream with an
 * error rather than handing the caller something the contract does not describe.
 */
export function eventStream<S extends z.ZodMiniType>(
  body: ReadableStream<BufferSource>,
  schema: S,
  controller: AbortController,
  requestId: string | undefined,
): EventStream<z.output<S>> {
  async function* events(): AsyncGenerator<StreamEvent<z.output<S>>> {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    const sse = new SseReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        for (const message of sse.push(value)) {
          if (message.event === "comment") yield { type: "heartbeat" };
          else {
            const data = schema.parse(JSON.parse(message.data ?? "null")) as z.output<S>;
            yield {
              type: "event",
              event: message.event,
              ...(message.id === undefined ? {} : { id: message.id }),
              data,
            };
          }
        }
      }
    } finally {
      controller.abort();
    }
  }
  return {
    requestId,
    close: () => controller.abort(),
    [Symbol.asyncIterator]: events,
  };
}
