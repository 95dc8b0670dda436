import { describe, expect, it } from "vitest";
import { apiFailure } from "#contracts/api/envelope.ts";
import { call, callAs } from "../../test/support/api.ts";

const preflight = (path: string, origin: string, method = "POST", headers = "authorization") =>
  call(path, {
    method: "OPTIONS",
    headers: {
      origin,
      "access-control-request-method": method,
      "access-control-request-headers": headers,
    },
  });

describe("CORS", () => {
  it("answers a preflight from an origin some tenant allows with the route's methods", async () => {
    const res = await preflight("/api/realtime/turn", "https://app.acme.test");
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://app.acme.test");
    expect(res.headers.get("access-control-allow-methods")).toBe("POST");
    expect(res.headers.get("access-control-allow-headers")).toContain("x-tenant-id");
  });

  it("lets a page on an allowed origin resume an event stream with Last-Event-ID", async () => {
    const res = await preflight("/api/stream/events", "https://app.acme.test", "GET", "last-event-id");
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-headers")?.split(", ")).toContain("last-event-id");
  });

  it("403s a preflight from an origin no tenant allows, and 404s one for an unknown path", async () => {
    const refused = await preflight("/api/realtime/turn", "https://evil.test");
    expect(refused.status).toBe(403);
    expect(apiFailure.parse(refused.json).error.code).toBe("forbidden");
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();
    expect((await preflight("/api/elsewhere", "https://app.acme.test")).status).toBe(404);
  });

  it("lets a tenant's page read answers only from that tenant's own origins", async () => {
    const own = await callAs("acme", "/api/stream/status?channel=main", {
      headers: { origin: "https://app.acme.test" },
    });
    expect(own.headers.get("access-control-allow-origin")).toBe("https://app.acme.test");
    expect(own.headers.get("access-control-expose-headers")).toContain("x-request-id");
    expect(own.headers.get("vary")).toContain("Origin");
    const foreign = await callAs("globex", "/api/stream/status?channel=main", {
      headers: { origin: "https://app.acme.test" },
    });
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("lets a browser read a refusal on an allowed origin, so that it sees 401 rather than a CORS error", async () => {
    const res = await call("/api/realtime/turn", {
      method: "POST",
      tenant: "acme",
      headers: { origin: "https://app.acme.test" },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://app.acme.test");
  });

  it("answers a refusal with the same CORS headers whether the tenant id exists or not", async () => {
    const refusal = (tenant: string) =>
      call("/api/stream/status?channel=main", {
        tenant,
        bearer: "rsk.2.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        headers: { origin: "https://app.acme.test" },
      });
    const [known, unknown] = [await refusal("acme"), await refusal("nobody")];
    expect([known.status, unknown.status]).toEqual([401, 401]);
    for (const header of ["access-control-allow-origin", "access-control-expose-headers", "vary"]) {
      expect(unknown.headers.get(header), header).toBe(known.headers.get(header));
    }
  });

  it("lets no page read a refusal from an origin no tenant allows", async () => {
    const res = await call("/api/stream/status?channel=main", {
      tenant: "acme",
      bearer: "rsk.2.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
      headers: { origin: "https://evil.test" },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });
});
