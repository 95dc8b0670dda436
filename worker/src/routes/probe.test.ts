import { describe, expect, it } from "vitest";
import { apiFailure, apiSuccess } from "#contracts/api/envelope.ts";
import { buildOpenApiDocument } from "#contracts/api/openapi-schemas.ts";
import { probeStatusData } from "#contracts/api/probe.ts";
import { API_ROUTES } from "#contracts/api/routes.ts";
import { deriveProbeKey } from "#contracts/probe-key.ts";
import { call, callAs, emulatorAdmin, fixture, tenantKey } from "../../test/support/api.ts";
import { cloudflareTime, notification, postWebhook } from "../../test/support/events.ts";

const probeKey = (generation = Number(fixture().bindings.TENANT_KEY_GENERATION)) =>
  deriveProbeKey(fixture().bindings.SIGNING_SECRET!, fixture().bindings.STACK!, generation);
const probeStatus = async (bearer?: string, extra: Record<string, string> = {}) =>
  call("/api/probe/status", { ...(bearer ? { bearer } : {}), headers: extra });
const errorCode = (json: unknown) => apiFailure.parse(json).error.code;

describe("GET /api/probe/status", () => {
  it("answers the probe input's status to the stack's probe key, of this generation or the last", async () => {
    for (const key of [
      await probeKey(),
      await probeKey(Number(fixture().bindings.TENANT_KEY_GENERATION) - 1),
    ]) {
      const res = await probeStatus(key);
      expect(res.status).toBe(200);
      expect(apiSuccess(probeStatusData).parse(res.json).data).toMatchObject({
        live_input_id: fixture().probeLiveInput,
        connected: false,
        enabled: true,
      });
    }
  });

  it("follows the input within a second of a change, without notifications", async () => {
    await probeStatus(await probeKey());
    await emulatorAdmin("POST", `/live_inputs/${fixture().probeLiveInput}/status`, { state: "connected" });
    try {
      await new Promise((r) => setTimeout(r, 1_100));
      const { data } = apiSuccess(probeStatusData).parse((await probeStatus(await probeKey())).json);
      expect(data).toMatchObject({ connected: true, state: "connected" });
    } finally {
      await emulatorAdmin("POST", `/live_inputs/${fixture().probeLiveInput}/status`, {
        state: "client_disconnect",
      });
    }
  });

  it("takes the probe input's notifications, as a channel's: the status path a probe proves", async () => {
    const id = fixture().probeLiveInput;
    await postWebhook(notification(id, "live_input.disconnected", cloudflareTime()));
    const connected = await postWebhook(notification(id, "live_input.connected", cloudflareTime(1)));
    expect(connected.json).toMatchObject({ data: { outcome: "applied" } });
    const { data } = apiSuccess(probeStatusData).parse((await probeStatus(await probeKey())).json);
    expect(data).toMatchObject({ connected: true, state: "connected" });
    await postWebhook(notification(id, "live_input.disconnected", cloudflareTime(2)));
    const after = apiSuccess(probeStatusData).parse((await probeStatus(await probeKey())).json).data;
    expect(after.connected).toBe(false);
  });

  it("refuses no key (401), and a tenant's key, an older generation or another stack's key (401 invalid_credential), and reads nothing for them", async () => {
    const reads = async () =>
      (await emulatorAdmin<unknown[]>("GET", `/requests?method=GET&path=${fixture().probeLiveInput}`)).length;
    const before = await reads();
    expect((await probeStatus()).status).toBe(401);
    const tenant = await probeStatus(await tenantKey("acme"), { "x-tenant-id": "acme" });
    expect(tenant.status).toBe(401);
    expect(errorCode(tenant.json)).toBe("invalid_credential");
    const old = await probeStatus(await probeKey(Number(fixture().bindings.TENANT_KEY_GENERATION) - 2));
    expect(old.status).toBe(401);
    const other = await probeStatus(
      await deriveProbeKey(fixture().bindings.SIGNING_SECRET!, "another-stack", 2),
    );
    expect(other.status).toBe(401);
    expect(await reads()).toBe(before);
  });

  it("400s an Authorization header sent twice, as tenant routes do, before any key check", async () => {
    const key = await probeKey();
    const res = await call("/api/probe/status", {
      headers: { authorization: `Bearer ${key}, Bearer ${key}` },
    });
    expect(res.status).toBe(400);
    expect(apiFailure.parse(res.json).error).toMatchObject({
      code: "invalid_request",
      details: { header: "authorization" },
    });
    expect(res.text).not.toContain(key);
  });

  it("is not a tenant credential: the probe key reaches no tenant route", async () => {
    const res = await call("/api/stream/status?channel=main", { tenant: "acme", bearer: await probeKey() });
    expect(res.status).toBe(401);
    expect((await callAs("acme", "/api/stream/status?channel=main")).status).toBe(200);
  });

  it("is in the route table and the OpenAPI document with its own security scheme", () => {
    expect(API_ROUTES.probeStatus).toMatchObject({ method: "GET", path: "/api/probe/status", auth: "probe" });
    const doc = buildOpenApiDocument({ version: "1" }) as unknown as {
      paths: Record<string, { get?: { security?: unknown } }>;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(doc.paths["/api/probe/status"]?.get?.security).toEqual([{ probeKey: [] }]);
    expect(doc.components.securitySchemes.probeKey).toMatchObject({ type: "http", scheme: "bearer" });
  });
});
