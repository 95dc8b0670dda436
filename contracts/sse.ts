/**
 * Server-sent events on the wire (WHATWG HTML §9.2), both ways: the Worker writes them, the
 * dashboard, tests and benchmarks read them. Plain values only, so that browser code can use it.
 */

export const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-store",
  // Proxies that buffer would hold events back until the buffer fills.
  "x-accel-buffering": "no",
} as const;

/** `data` is JSON, on one line, so no field ever needs splitting. */
export const sseEvent = (id: string, event: string, data: unknown) =>
  `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

export const sseRetry = (ms: number) => `retry: ${ms}\n\n`;

/** A comment: clients ignore it, proxies see traffic. */
export const SSE_HEARTBEAT = ": heartbeat\n\n";

/** One event as read; a block of comments only (a heartbeat) reads as `{ event: "comment" }`. */
export interface SseMessage {
  event: string;
  id?: string;
  data?: string;
}

/** Reads events out of a text stream fed in chunks of any size. */
export class SseReader {
  private buffer = "";

  push(chunk: string): SseMessage[] {
    this.buffer += chunk.replace(/\r\n?/g, "\n");
    const messages: SseMessage[] = [];
    for (let end = this.buffer.indexOf("\n\n"); end !== -1; end = this.buffer.indexOf("\n\n")) {
      const message = parseBlock(this.buffer.slice(0, end));
      this.buffer = this.buffer.slice(end + 2);
      if (message) messages.push(message);
    }
    return messages;
  }
}

/** An event without data is not dispatched (as browsers do); one of comments only is a heartbeat. */
function parseBlock(block: string): SseMessage | undefined {
  const message: SseMessage = { event: "message" };
  let comments = 0;
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) {
      comments += 1;
      continue;
    }
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "id") message.id = value;
    else if (field === "event") message.event = value;
    else if (field === "data")
      message.data = message.data === undefined ? value : `${message.data}\n${value}`;
  }
  if (message.data !== undefined) return message;
  return comments > 0 ? { event: "comment" } : undefined;
}
