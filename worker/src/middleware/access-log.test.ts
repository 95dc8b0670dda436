import { describe, expect, it, vi } from "vitest";
import { callAs } from "../../test/support/api.ts";
import { ACCESS_LOG_MARK } from "./access-log.ts";

describe("access log", () => {
  it("writes one JSON line per request: id, method, path, status, tenant, error code; no query, no headers", async () => {
    const log = vi.spyOn(console, "log");
    log.mockClear();
    const res = await callAs("acme", "/api/stream/status?channel=nope", {
      headers: { "x-request-id": "log-test-0001" },
    });
    const lines = log.mock.calls
      .map(([line]) => String(line))
      .filter((line) => line.startsWith(ACCESS_LOG_MARK));
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({
      request_id: "log-test-0001",
      method: "GET",
      path: "/api/stream/status",
      status: res.status,
      tenant: "acme",
      error: "channel_not_found",
    });
    expect(lines[0]).not.toContain("nope");
    expect(lines[0]).not.toContain("rsk.");
  });
});
