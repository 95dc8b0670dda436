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

const expectRefused = async (answer: Promise<Awaited<ReturnType<typeof call>>>, code: number) => {
  const res = await answer;
  expect(res.status).toBe(code);
  expect(apiFailure.parse(res.json).error.code).toBe(code === 401 ? "unauthorized" : "forbidden");
  return res;
};

describe("tenant auth", () => {
  it("401s a request without X-Tenant-ID or without a bearer, and says how to authenticate", async () => {
    const res = await expectRefused(status(undefined, await tenantKey("acme")), 401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    await expectRefused(status("acme", undefined), 401);
    await expectRefused(status("acme", undefined, { authorization: `Basic ${btoa("acme:x")}` }), 401);
  });

  it("403s a wrong key, another tenant's key, and tenants that do not exist", async () => {
    await expectRefused(status("acme", "rsk.2.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), 403);
    await expectRefused(status("acme", await tenantKey("globex")), 403);
    await expectRefused(status("nobody", await tenantKey("nobody")), 403);
    await expectRefused(status("__proto__", await tenantKey("__proto__")), 403);
    await expectRefused(status("../acme", await tenantKey("acme")), 403);
  });

  it("accepts the current generation and the one before it, not older ones", async () => {
    expect((await status("acme", await tenantKey("acme", 2))).status).toBe(200);
    expect((await status("acme", await tenantKey("acme", 1))).status).toBe(200);
    await expectRefused(status("acme", await tenantKey("acme", 0)), 403);
    await expectRefused(status("acme", await tenantKey("acme", 3)), 403);
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
