import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { apiFailure } from "#contracts/api/envelope.ts";
import { callAs, WORKER_ORIGIN } from "../../test/support/api.ts";
import { BODY_LIMIT_BYTES } from "./body-limit.ts";

/** A JSON body of exactly `bytes` bytes. */
const jsonOfSize = (bytes: number) => JSON.stringify({ ttl: 3600, pad: "x".repeat(bytes - 21) });

describe("body limit", () => {
  it("413s a body over 16 KiB, before auth reads anything", async () => {
    const res = await callAs("acme", "/api/realtime/turn", {
      method: "POST",
      body: jsonOfSize(BODY_LIMIT_BYTES + 1),
    });
    expect(res.status).toBe(413);
    expect(apiFailure.parse(res.json).error.code).toBe("payload_too_large");
  });

  it("lets a body of exactly 16 KiB through to validation", async () => {
    const body = jsonOfSize(BODY_LIMIT_BYTES);
    expect(new TextEncoder().encode(body).length).toBe(BODY_LIMIT_BYTES);
    const res = await callAs("acme", "/api/realtime/turn", { method: "POST", body });
    expect(res.status).toBe(200);
  });

  it("413s a streamed body without Content-Length once it passes the limit", async () => {
    const chunk = new TextEncoder().encode("x".repeat(4096));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 8) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await exports.default.fetch(
      new Request(`${WORKER_ORIGIN}/api/realtime/turn`, { method: "POST", body: stream }),
    );
    expect(res.status).toBe(413);
  });
});
