import { SseReader } from "#contracts/sse.ts";
import type { CheckedData } from "./answer-check.ts";
import { type ApiError, type ClientErrorCode, cutShort } from "./api-error.ts";

/** One server-sent event, its `data` checked as the client checks answers; a heartbeat has no data. */
export type StreamEvent<T> = { type: "event"; event: string; id?: string; data: T } | { type: "heartbeat" };

/** An open event stream: iterate its events; `close()` ends it (and the iteration) without an error. */
export interface EventStream<T> extends AsyncIterable<StreamEvent<T>> {
  readonly requestId: string | undefined;
  close(): void;
}

/** What an open stream needs of the call that opened it. */
export interface OpenedStream {
  body: ReadableStream<BufferSource>;
  check: (data: unknown) => CheckedData;
  /** Aborts the request; the stream aborts it once it ends, however it ends. */
  controller: AbortController;
  /** The caller's signal: once it ends the stream, the error says how (aborted, or its own timeout). */
  signal: AbortSignal | undefined;
  /** The call's error for the stream's status and request id. */
  failed: (code: ClientErrorCode, message: string) => ApiError;
  requestId: string | undefined;
  /** Run once the stream has ended or is closed (the call's listener on the caller's signal goes); may run twice. */
  ended: () => void;
}

/**
 * Reads the body as server-sent events. Whatever ends an open stream other than `close()` or the
 * server ending it reaches the iterating caller as an ApiError, as a call that fails before its
 * answer does: `aborted` or `timeout` by the caller's signal, `network_error` when the connection
 * drops, and `invalid_response` for a `data` that is not JSON or that the contract does not
 * describe, rather than handing the caller something the contract does not describe.
 */
export function eventStream<T>(opened: OpenedStream): EventStream<T> {
  const { body, check, controller, signal, failed, requestId, ended } = opened;
  let closed = false;
  const parsed = (data: string | undefined): unknown => {
    try {
      return JSON.parse(data ?? "null");
    } catch {
      throw failed("invalid_response", "an event's data is not JSON");
    }
  };
  async function* events(): AsyncGenerator<StreamEvent<T>> {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    const sse = new SseReader();
    try {
      for (;;) {
        let chunk: ReadableStreamReadResult<string>;
        try {
          chunk = await reader.read();
        } catch {
          if (closed) return;
          const { code, reason } = cutShort(
            { deadline: false, signal },
            "the stream",
            "the stream was cut off",
          );
          throw failed(code, reason);
        }
        if (chunk.done) return;
        for (const message of sse.push(chunk.value)) {
          if (message.event === "comment") yield { type: "heartbeat" };
          else {
            const checked = check(parsed(message.data));
            if (!checked.ok) {
              throw failed(
                "invalid_response",
                `an event does not match the API contract${checked.issue ? ` (${checked.issue})` : ""}`,
              );
            }
            yield {
              type: "event",
              event: message.event,
              ...(message.id === undefined ? {} : { id: message.id }),
              data: checked.value as T,
            };
          }
        }
      }
    } finally {
      controller.abort();
      ended();
    }
  }
  return {
    requestId,
    close: () => {
      closed = true;
      controller.abort();
      ended();
    },
    [Symbol.asyncIterator]: events,
  };
}
