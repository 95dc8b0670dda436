import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it, type MockInstance, vi } from "vitest";
import { apiSuccess } from "#contracts/api/envelope.ts";
import { sfuSessionData } from "#contracts/api/realtime.ts";
import { createApp } from "../src/app.ts";
import { logLine } from "../src/log.ts";
import { type Answer, type CallOptions, call, emulatorAdmin, fixture, tenantKey } from "./support/api.ts";
import { PUBLISH_OFFER } from "./support/sdp.ts";

/**
 * Every route, its successes and its failures, with canary credentials (a TURN key and an SFU app
 * of their own, plus the shared token and secrets): no canary value may show up in any body,
 * header or console line. Faults make the upstreams echo the canaries back, as a careless or
 * compromised upstream might.
 */
const canary = () => fixture().isolated.canary;
const canaries = () => [
  canary().turnKey.secret,
  canary().sfuApp.secret,
  fixture().bindings.STREAM_API_TOKEN!,
  fixture().bindings.SIGNING_SECRET!,
  fixture().bindings.WEBHOOK_SECRET!,
];

const CONSOLE_METHODS = ["log", "info", "warn", "error", "debug"] as const;
let spies: MockInstance[] = [];
const seen: string[] = [];
const faultIds: string[] = [];

beforeAll(() => {
  spies = CONSOLE_METHODS.map((method) => vi.spyOn(console, method));
  for (const spy of spies) spy.mockClear();
});
afterAll(async () => {
  for (const id of faultIds.splice(0)) await emulatorAdmin("DELETE", `/faults/${id}`);
});

async function send(path: string, options: CallOptions = {}): Promise<Answer> {
  const app = {
    app: createApp({ upstream: { deadlineMs: 500 } }),
    env: {
      ...env,
      TURN_KEY_ID: canary().turnKey.id,
      TURN_KEY_SECRET: canary().turnKey.secret,
      SFU_APP_ID: canary().sfuApp.id,
      SFU_APP_SECRET: canary().sfuApp.secret,
    },
  };
  const res = await call(path, { ...options, app });
  seen.push(res.text, JSON.stringify([...res.headers]));
  return res;
}

async function asAcme(path: string, options: CallOptions = {}) {
  return send(path, { ...options, tenant: "acme", bearer: await tenantKey("acme") });
}

async function echoCanaries(path: string, action: object) {
  faultIds.push((await emulatorAdmin<{ id: string }>("POST", "/faults", { path, action })).id);
}

describe("canary secrets", () => {
  it("never leave the Worker through any route, success or failure", async () => {
    const echoed = canaries().join(" ");
    await send("/healthz");
    await asAcme("/api/stream/status?channel=canary");
    await asAcme("/api/stream/connect", { method: "POST", body: { channel: "canary" } });
    await asAcme("/api/realtime/turn", { method: "POST", body: { ttl: 600, user_id: "canary" } });
    const created = await asAcme("/api/realtime/sfu", {
      method: "POST",
      body: { room_id: "canary", user_id: "u", user_name: "U" },
    });
    const { session_id, token } = apiSuccess(sfuSessionData).parse(created.json).data;
    const proxy = (suffix: string, method: string, body?: unknown) =>
      send(`/api/realtime/sfu/sessions/${session_id}${suffix}`, {
        method,
        tenant: "acme",
        bearer: token,
        ...(body === undefined ? {} : { body }),
      });
    await proxy("/tracks/new", "POST", {
      sessionDescription: PUBLISH_OFFER,
      tracks: [{ location: "local", mid: "0", trackName: "a" }],
    });
    await proxy("/renegotiate", "PUT", { sessionDescription: { type: "answer", sdp: "v=0" } });
    await proxy("/tracks/close", "PUT", { tracks: [{ mid: "0" }], force: true });
    await proxy("", "GET");

    // Refusals of every kind.
    await send("/api/realtime/turn", { method: "POST" });
    await send("/api/realtime/turn", {
      method: "POST",
      tenant: "acme",
      bearer: fixture().bindings.SIGNING_SECRET!,
    });
    await send("/api/realtime/turn", { method: "POST", tenant: "acme", bearer: canary().turnKey.secret });
    await asAcme("/api/realtime/turn", { method: "POST", body: { ttl: canary().sfuApp.secret } });
    await asAcme("/api/realtime/turn", { method: "GET" });
    await asAcme("/api/nowhere");
    await asAcme("/api/realtime/turn", { method: "POST", body: "x".repeat(20_000) });

    // Upstreams that echo the canaries in errors, in refusals and in server errors.
    const liveInput = fixture().liveInputs.acme!.canary!;
    await echoCanaries(`/client/v4/accounts/*/stream/live_inputs/${liveInput}`, {
      type: "status",
      status: 500,
      body: JSON.stringify({
        success: false,
        errors: [{ code: 1000, message: echoed }],
        messages: [],
        result: null,
      }),
    });
    await echoCanaries(`/v1/turn/keys/${canary().turnKey.id}/**`, {
      type: "status",
      status: 400,
      body: JSON.stringify({ errorCode: "invalid_params", errorDescription: echoed }),
    });
    await echoCanaries(`/v1/apps/${canary().sfuApp.id}/sessions/new`, {
      type: "status",
      status: 503,
      body: JSON.stringify({ errorCode: "temporarily_unavailable_error", errorDescription: echoed }),
    });
    await echoCanaries(`/v1/apps/${canary().sfuApp.id}/sessions/${session_id}`, {
      type: "status",
      status: 401,
      body: JSON.stringify({ errorCode: "unauthorized", errorDescription: echoed }),
    });
    await asAcme("/api/stream/connect", { method: "POST", body: { channel: "canary" } });
    await asAcme("/api/realtime/turn", { method: "POST", body: {} });
    await asAcme("/api/realtime/sfu", {
      method: "POST",
      body: { room_id: "canary", user_id: "u", user_name: "U" },
    });
    await proxy("", "GET");

    const printed = spies.flatMap((spy) => spy.mock.calls.map((args) => JSON.stringify(args)));
    // At least the access log's line for each request sent (`seen` holds two entries per response).
    expect(printed.length).toBeGreaterThanOrEqual(seen.length / 2);
    const everything = [...seen, ...printed].join("\n");
    for (const secret of canaries()) {
      expect(secret.length).toBeGreaterThanOrEqual(16);
      expect(everything).not.toContain(secret);
    }
  });

  it("are redacted from a log line even when code hands them to the logger", () => {
    const secret = fixture().bindings.SFU_APP_SECRET!;
    const log = vi.spyOn(console, "log");
    log.mockClear();
    logLine(env, { message: `failed with ${secret}` });
    expect(JSON.stringify(log.mock.calls)).not.toContain(secret);
    expect(JSON.stringify(log.mock.calls)).toContain("[redacted]");
  });
});
