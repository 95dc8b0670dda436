import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { apiFailure } from "#contracts/api/envelope.ts";
import { TENANT_MAP_PLACEHOLDER } from "#contracts/worker/tenant-map.ts";
import { callAs, fixture } from "../test/support/api.ts";
import { createApp } from "./app.ts";
import { configReport, requireConfig } from "./config.ts";
import { readTenantMap } from "./tenant-map.ts";

describe("config", () => {
  it("accepts wrangler-style numbers, and takes the tenant map the script carries", () => {
    const { checks, values } = configReport({
      ...env,
      CREDENTIAL_TTL_DEFAULT: 3600,
      TENANT_KEY_GENERATION: 7,
      CF_API_BASE: "http://127.0.0.1:9/client/v4/",
    });
    expect([checks.CREDENTIAL_TTL_DEFAULT, checks.TENANT_KEY_GENERATION, checks.TENANTS]).toEqual([
      "ok",
      "ok",
      "ok",
    ]);
    expect(values.TENANT_KEY_GENERATION).toBe(7);
    expect(values.CF_API_BASE).toBe("http://127.0.0.1:9/client/v4");
    expect(values.TENANTS).toEqual(fixture().tenants);
  });

  it("calls the tenant map missing before the program puts it in, malformed when it is not one", () => {
    expect(readTenantMap(TENANT_MAP_PLACEHOLDER)).toEqual({ check: "missing" });
    expect(readTenantMap("{not json")).toEqual({ check: "malformed" });
    expect(readTenantMap(JSON.stringify({ acme: { channels: {} } }))).toEqual({ check: "malformed" });
    expect(readTenantMap(JSON.stringify(fixture().tenants))).toEqual({ check: "ok", map: fixture().tenants });
  });

  it("calls malformed what does not parse, without saying what the value was", () => {
    const { checks } = configReport({
      ...env,
      ACCOUNT_ID: "not-hex",
      CREDENTIAL_TTL_DEFAULT: "172800",
      CREDENTIAL_TTL_MAX: "3600",
      REALTIME_API_BASE: "ftp://example.test",
      STREAM_API_TOKEN: "has whitespace in it",
      WORKERS_PLAN: "enterprise",
    });
    expect(checks).toMatchObject({
      ACCOUNT_ID: "malformed",
      WORKERS_PLAN: "malformed",
      CREDENTIAL_TTL_DEFAULT: "malformed",
      CREDENTIAL_TTL_MAX: "ok",
      REALTIME_API_BASE: "malformed",
      STREAM_API_TOKEN: "malformed",
    });
  });

  it("503s only the routes whose bindings are unusable, naming them", async () => {
    const app = { app: createApp(), env: { ...env, TURN_KEY_SECRET: undefined, ACCOUNT_ID: "nope" } };
    const turn = await callAs("acme", "/api/realtime/turn", { method: "POST", body: {}, app });
    expect(turn.status).toBe(503);
    expect(apiFailure.parse(turn.json).error).toMatchObject({
      code: "not_configured",
      details: { bindings: ["TURN_KEY_SECRET"] },
    });
    const status = await callAs("acme", "/api/stream/status?channel=main", { app });
    expect(apiFailure.parse(status.json).error.details).toEqual({ bindings: ["ACCOUNT_ID"] });
    const sfu = await callAs("acme", "/api/realtime/sfu", {
      method: "POST",
      body: { room_id: "r", user_id: "u", user_name: "U" },
      app,
    });
    expect(sfu.status).toBe(201);
  });

  it("hands out exactly the named bindings it validated", () => {
    const picked = requireConfig(env, ["SFU_APP_ID", "CREDENTIAL_TTL_MAX"]);
    expect(picked.SFU_APP_ID).toBe(fixture().bindings.SFU_APP_ID);
    expect(picked.CREDENTIAL_TTL_MAX).toBe(172_800);
  });
});
