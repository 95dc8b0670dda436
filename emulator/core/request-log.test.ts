import { describe, expect, it } from "vitest";
import { RequestLog, redact } from "./request-log.ts";

const entry = (path: string) => ({
  time: new Date().toISOString(),
  method: "GET",
  path,
  query: {},
  status: 200,
  durationMs: 1,
  tokenId: null,
});

describe("RequestLog", () => {
  it("keeps the newest entries up to its capacity, oldest first, however many came", () => {
    const log = new RequestLog(3);
    for (let i = 1; i <= 10; i++) log.add(entry(`/r/${i}`));
    expect(log.list().map((e) => [e.seq, e.path])).toEqual([
      [8, "/r/8"],
      [9, "/r/9"],
      [10, "/r/10"],
    ]);
    expect(log.list({ since: 9 }).map((e) => e.seq)).toEqual([10]);
    log.clear();
    log.add(entry("/after"));
    expect(log.list().map((e) => e.seq)).toEqual([11]);
  });

  it("redacts secret-looking keys at any depth", () => {
    expect(redact({ name: "x", nested: [{ secret: "s3cr3t", sdp: "v=0" }], key: 7 })).toEqual({
      name: "x",
      nested: [{ secret: "[redacted]", sdp: "[redacted]" }],
      key: "[redacted]",
    });
  });
});
