import { SseReader } from "#contracts/sse.ts";
import type { CheckedData } from "./answer-check.ts";

/** One server-sent event, its `data` checked as the client checks answers; a heartbeat has no data. */
export type StreamEvent<T> = { type: "event"; event: string; id?: string; data: T } | { type: "heartbeat" };

/** An open event stream: iterate its events; `close()` ends it (and the iteration). */
export interface EventStream<T> extends AsyncIterable<StreamEvent<T>> {
  readonly requestId: string | undefined;
  close(): void;
}

/**
 * Reads `body` as server-sent events. A `data` that `check` refuses ends the stream with an error
 * rather than handing the caller something the contract does not describe.
 */
export function eventStream<T>(
  body: ReadableStream<BufferSource>,
  check: (data: unknown) => CheckedData,
  controller: AbortController,
  requestId: string | undefined,
): EventStream<T> {
  async function* events(): AsyncGenerator<StreamEvent<T>> {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    const sse = new SseReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        for (const message of sse.push(value)) {
          if (message.event === "comment") yield { type: "heartbeat" };
          else {
            const checked = check(JSON.parse(message.data ?? "null"));
            if (!checked.ok) {
              throw new Error(
                `an event does not match the API contract${checked.issue ? ` (${checked.issue})` : ""}`,
              );
            }
            const data = checked.value as T;
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
