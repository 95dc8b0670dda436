import { describe, expect, it } from "vitest";
import { SSE_HEARTBEAT, SseReader, sseEvent, sseRetry } from "./sse.ts";

describe("server-sent events", () => {
  it("read back what the Worker writes, whatever the chunking", () => {
    const wire = sseRetry(1000) + sseEvent("e.1", "status", { state: "connected" }) + SSE_HEARTBEAT;
    for (const size of [1, 3, 7, wire.length]) {
      const reader = new SseReader();
      const messages = [];
      for (let i = 0; i < wire.length; i += size) messages.push(...reader.push(wire.slice(i, i + size)));
      expect(messages).toEqual([
        { id: "e.1", event: "status", data: '{"state":"connected"}' },
        { event: "comment" },
      ]);
    }
  });

  it("follow the spec's line rules: CRLF, multi-line data, no space after the colon", () => {
    const reader = new SseReader();
    expect(reader.push("data:a\r\ndata: b\r\nid:7\r\n\r\nevent: x\n")).toEqual([
      { event: "message", id: "7", data: "a\nb" },
    ]);
    expect(reader.push("\n")).toEqual([]);
  });
});
