import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { apiFailure } from "#contracts/api/envelope.ts";
import { call, fixture, tenantKey } from "../../test/support/api.ts";
import { createApp } from "../app.ts";

const status = (
  tenant: string | undefined,
  bearer: string | undefined,
  headers: Record<string, string> = {},
) =>
  call("/api/stream/status?channel=main", {
    ...(tenant === undefined ? {} : { tenant }),
    ...(bearer === undefined ? {} : { bearer }),
    headers,
  });

type Refusal = "unauthorized" | "invalid_credential" | "forbidden";
const STATUS: Record<Refusal, number> = { unauthorized: 401, invalid_credential: 401, forbidden: 403 };

const expectRefused = async (answer: Promise<Awaited<ReturnType<typeof call>>>, code: Refusal) => {
  const res = await answer;
  expect(res.status).toBe(STATUS[code]);
  expect(apiFailure.parse(res.json).error.code).toBe(code);
  return res;
};

describe("tenant auth", () => {
  it("401s a request without X-Tenant-ID or without a bearer, and says how to authenticate", async () => {
    const res = await expectRefused(status(undefined, await tenantKey("acme")), "unauthorized");
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    await expectRefused(status("acme", undefined), "unauthorized");
    await expectRefused(
      status("acme", undefined, { authorization: `Basic ${btoa("acme:x")}` }),
      "unauthorized",
    );
  });

  it("401s a wrong key, another tenant's key, and tenants that do not exist, alike, as RFC 6750's invalid_token", async () => {
    const wrong = await expectRefused(
      status("acme", "rsk.2.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
      "invalid_credential",
    );
    expect(wrong.headers.get("www-authenticate")).toBe(
      'Bearer realm="realtime-stack", error="invalid_token"',
    );
    const others = [
      await expectRefused(status("acme", await tenantKey("globex")), "invalid_credential"),
      await expectRefused(status("nobody", await tenantKey("nobody")), "invalid_credential"),
      await expectRefused(status("__proto__", await tenantKey("__proto__")), "invalid_credential"),
      await expectRefused(status("../acme", await tenantKey("acme")), "invalid_credential"),
    ];
    // One message for all, so that an unknown tenant id cannot be told from a known one.
    for (const res of others) expect(res.json).toEqual(wrong.json);
  });

  it("accepts the current generation and the one before it, not older ones", async () => {
    expect((await status("acme", await tenantKey("acme", 2))).status).toBe(200);
    expect((await status("acme", await tenantKey("acme", 1))).status).toBe(200);
    await expectRefused(status("acme", await tenantKey("acme", 0)), "invalid_credential");
    await expectRefused(status("acme", await tenantKey("acme", 3)), "invalid_credential");
  });

  it("400s a credential header sent twice, as workerd hands it over (joined by a comma), before any 401", async () => {
    const key = await tenantKey("acme");
    const cases: [string, Record<string, string>][] = [
      ["authorization", { "x-tenant-id": "acme", authorization: `Bearer ${key}, Bearer ${key}` }],
      ["authorization", { "x-tenant-id": "acme", authorization: "Bearer a, Bearer b" }],
      ["x-tenant-id", { "x-tenant-id": "acme, globex", authorization: `Bearer ${key}` }],
      ["x-tenant-id", { "x-tenant-id": "acme, acme" }],
    ];
    for (const [header, headers] of cases) {
      const res = await call("/api/stream/status?channel=main", { headers });
      expect(res.status, JSON.stringify(headers)).toBe(400);
      const { error } = apiFailure.parse(res.json);
      expect(error).toMatchObject({ code: "invalid_request", details: { header } });
      expect(res.text).not.toContain(key);
    }
  });

  it("503s not_configured, naming the bindings, when it cannot check keys", async () => {
    const app = { app: createApp(), env: { ...env, SIGNING_SECRET: "short" } };
    const res = await call("/api/stream/status?channel=main", {
      tenant: "acme",
      bearer: await tenantKey("acme"),
      app,
    });
    expect(res.status).toBe(503);
    const { error } = apiFailure.parse(res.json);
    expect(error.code).toBe("not_configured");
    expect(error.details).toEqual({ bindings: ["SIGNING_SECRET"] });
    expect(res.text).not.toContain(fixture().bindings.SIGNING_SECRET);
  });
});
