/** Server-sent events framing (WHATWG HTML §9.2): one UTF-8 text stream of blank-line-separated events. */

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
