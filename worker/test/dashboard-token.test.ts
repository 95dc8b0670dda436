import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { dashboardTokenData } from "#contracts/api/dashboard.ts";
import { apiFailure, apiSuccess } from "#contracts/api/envelope.ts";
import { sfuSessionData } from "#contracts/api/realtime.ts";
import { deriveProbeKey } from "#contracts/probe-key.ts";
import { deriveTenantKey } from "#contracts/tenant-key.ts";
import { base64urlRespellings } from "#contracts/testing.ts";
import { createApp } from "../src/app.ts";
import {
  DASHBOARD_SESSION_MAX_SECONDS,
  DASHBOARD_TOKEN_TTL_SECONDS,
  signDashboardToken,
  verifyDashboardToken,
} from "../src/dashboard-token.ts";
import { type Answer, type CallOptions, call, callAs, fixture, tenantKey } from "./support/api.ts";

const exchange = (tenant: string, bearer: string, options: CallOptions = {}) =>
  call("/api/dashboard/token", { ...options, method: "POST", tenant, bearer });
const tokenOf = (res: Answer) => apiSuccess(dashboardTokenData).parse(res.json).data;
const generation = () => Number(fixture().bindings.TENANT_KEY_GENERATION);

afterEach(() => {
  vi.useRealTimers();
});

describe("POST /api/dashboard/token", () => {
  it("trades the tenant key for a short-lived token accepted wherever the key is", async () => {
    const before = Date.now();
    const res = await callAs("acme", "/api/dashboard/token", { method: "POST" });
    expect(res.status).toBe(200);
    const { token, expires_at, session_expires_at } = tokenOf(res);
    expect(Date.parse(expires_at) - before).toBeLessThanOrEqual(DASHBOARD_TOKEN_TTL_SECONDS * 1000);
    expect(Date.parse(session_expires_at) - before).toBeLessThanOrEqual(DASHBOARD_SESSION_MAX_SECONDS * 1000);
    expect(token).not.toContain(await tenantKey("acme"));
    const status = await call("/api/stream/status?channel=main", { tenant: "acme", bearer: token });
    expect(status.status).toBe(200);
  });

  it("is worth nothing for another tenant, and answers alike whether that tenant exists", async () => {
    const { token } = tokenOf(await callAs("acme", "/api/dashboard/token", { method: "POST" }));
    const res = await call("/api/stream/channels", { tenant: "globex", bearer: token });
    expect(res.status).toBe(403);
    expect(apiFailure.parse(res.json).error.code).toBe("forbidden");
    // Else a dashboard token would tell which tenant ids exist.
    const unknown = await call("/api/stream/channels", { tenant: "nobody", bearer: token });
    expect(unknown.status).toBe(403);
    expect(apiFailure.parse(unknown.json).error).toEqual(apiFailure.parse(res.json).error);
  });

  it("401s a genuine token of a tenant no longer served, as session auth does, whichever tenant it is sent for", async () => {
    const now = Math.floor(Date.now() / 1000);
    const removed = await signDashboardToken(fixture().bindings.SIGNING_SECRET!, {
      tenant: "removed-tenant",
      generation: generation(),
      signed_in_at: now,
      exp: now + 60,
    });
    for (const tenant of ["acme", "nobody"]) {
      const res = await call("/api/stream/channels", { tenant, bearer: removed });
      expect(res.status, tenant).toBe(401);
      expect(apiFailure.parse(res.json).error.code).toBe("invalid_credential");
    }
  });

  it("refreshes with a live token until the sign-in is a working day old, then refuses", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const { token: first } = tokenOf(await callAs("acme", "/api/dashboard/token", { method: "POST" }));
    let token = first;
    for (let elapsed = 0; elapsed + DASHBOARD_TOKEN_TTL_SECONDS < DASHBOARD_SESSION_MAX_SECONDS; ) {
      vi.advanceTimersByTime((DASHBOARD_TOKEN_TTL_SECONDS - 60) * 1000);
      elapsed += DASHBOARD_TOKEN_TTL_SECONDS - 60;
      const refreshed = await exchange("acme", token);
      expect(refreshed.status, `after ${elapsed} s`).toBe(200);
      token = tokenOf(refreshed).token;
    }
    vi.advanceTimersByTime(DASHBOARD_TOKEN_TTL_SECONDS * 1000);
    expect((await exchange("acme", token)).status).toBe(401);
    expect((await exchange("acme", first)).status).toBe(401);
  });

  it("expires: a token left unrefreshed stops working", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const { token } = tokenOf(await callAs("acme", "/api/dashboard/token", { method: "POST" }));
    vi.advanceTimersByTime(DASHBOARD_TOKEN_TTL_SECONDS * 1000 + 1);
    expect((await call("/api/stream/channels", { tenant: "acme", bearer: token })).status).toBe(401);
  });

  it("lists the tenant's channels for the dashboard", async () => {
    const res = await callAs("globex", "/api/stream/channels");
    expect(res.status).toBe(200);
    const channels = (res.json as { data: { channels: { channel: string }[] } }).data.channels;
    expect(channels.map((c) => c.channel).sort()).toEqual(Object.keys(fixture().liveInputs.globex!).sort());
  });

  it("follows tenant key rotation: tokens of the previous key generation work, older ones do not", async () => {
    const now = Math.floor(Date.now() / 1000);
    const signed = (gen: number) =>
      signDashboardToken(fixture().bindings.SIGNING_SECRET!, {
        tenant: "acme",
        generation: gen,
        signed_in_at: now,
        exp: now + 60,
      });
    const use = async (gen: number) =>
      (await call("/api/stream/channels", { tenant: "acme", bearer: await signed(gen) })).status;
    expect(await use(generation())).toBe(200);
    expect(await use(generation() - 1)).toBe(200);
    expect(await use(generation() - 2)).toBe(401);
  });

  it("have one spelling: a token with other unused bits in its last character is refused", async () => {
    const { token } = tokenOf(await callAs("acme", "/api/dashboard/token", { method: "POST" }));
    const [prefix, payload, mac] = token.split(".") as [string, string, string];
    const respelled = base64urlRespellings(mac);
    expect(respelled).toHaveLength(3);
    for (const other of respelled) {
      const res = await call("/api/stream/channels", {
        tenant: "acme",
        bearer: `${prefix}.${payload}.${other}`,
      });
      expect(res.status).toBe(401);
    }
  });
});

/**
 * Tenant key rotation as the Worker sees it: each rotation redeploys it with the next
 * TENANT_KEY_GENERATION. One Worker (app and env) per generation, like one deploy per rotation.
 */
describe("dashboard sessions across tenant key rotations", () => {
  const deployedAt = (gen: number): CallOptions => ({
    app: { app: createApp(), env: { ...env, TENANT_KEY_GENERATION: String(gen) } },
  });
  const generationOf = async (token: string) =>
    (await verifyDashboardToken(fixture().bindings.SIGNING_SECRET!, token, 0))?.generation;

  it("a refreshed token keeps the generation it was signed in with, and two rotations end it", async () => {
    const g = generation();
    const signedIn = tokenOf(await exchange("acme", await tenantKey("acme", g), deployedAt(g)));
    expect(await generationOf(signedIn.token)).toBe(g);

    // First rotation: the session goes on, still of generation g.
    const refreshed = await exchange("acme", signedIn.token, deployedAt(g + 1));
    expect(refreshed.status).toBe(200);
    const { token } = tokenOf(refreshed);
    expect(await generationOf(token)).toBe(g);
    expect(tokenOf(refreshed).session_expires_at).toBe(signedIn.session_expires_at);
    expect(
      (await call("/api/stream/channels", { tenant: "acme", bearer: token, ...deployedAt(g + 1) })).status,
    ).toBe(200);

    // Second rotation: every session from before the first one has ended.
    for (const stale of [signedIn.token, token]) {
      expect((await exchange("acme", stale, deployedAt(g + 2))).status).toBe(401);
      const use = await call("/api/stream/channels", { tenant: "acme", bearer: stale, ...deployedAt(g + 2) });
      expect(use.status).toBe(401);
    }
  });

  it("a sign-in with the previous generation's key gets a token of that generation", async () => {
    const g = generation();
    const res = await exchange("acme", await tenantKey("acme", g - 1), deployedAt(g));
    expect(res.status).toBe(200);
    const { token } = tokenOf(res);
    expect(await generationOf(token)).toBe(g - 1);
    expect((await exchange("acme", token, deployedAt(g + 1))).status).toBe(401);
  });
});

/**
 * Signing secret rotation as the Worker sees it: each rotation redeploys it with a new active slot,
 * the previous one as SIGNING_SECRET_FALLBACK, verified with but never signed with.
 */
describe("credentials across signing secret rotations", () => {
  const slot = () =>
    Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) => b.toString(16).padStart(2, "0")).join("");
  const deployedWith = (active: string, fallback?: string): CallOptions => ({
    app: {
      app: createApp(),
      env: { ...env, SIGNING_SECRET: active, ...(fallback ? { SIGNING_SECRET_FALLBACK: fallback } : {}) },
    },
  });
  const channels = (bearer: string, deployed: CallOptions) =>
    call("/api/stream/channels", { tenant: "acme", bearer, ...deployed });

  it("keys and dashboard tokens of the previous slot work for one rotation; new tokens are signed with the active slot", async () => {
    const [first, second, third] = [slot(), slot(), slot()];
    const g = generation();
    const firstKey = await deriveTenantKey(first, "acme", g);
    const firstToken = tokenOf(await exchange("acme", firstKey, deployedWith(first))).token;

    const afterOne = deployedWith(second, first);
    for (const old of [firstKey, firstToken]) expect((await channels(old, afterOne)).status).toBe(200);
    const minted = tokenOf(await exchange("acme", firstKey, afterOne)).token;
    expect(await verifyDashboardToken(second, minted, 0)).toBeDefined();
    expect(await verifyDashboardToken(first, minted, 0)).toBeUndefined();

    const afterTwo = deployedWith(third, second);
    for (const old of [firstKey, firstToken]) expect((await channels(old, afterTwo)).status).toBe(401);
    expect((await channels(minted, afterTwo)).status).toBe(200);
    expect((await channels(await deriveTenantKey(second, "acme", g), afterTwo)).status).toBe(200);
  });

  it("session tokens, room tokens and the probe key of the previous slot work for one rotation", async () => {
    const [first, second, third] = [slot(), slot(), slot()];
    const [afterOne, afterTwo] = [deployedWith(second, first), deployedWith(third, second)];
    const created = await call("/api/realtime/sfu", {
      method: "POST",
      tenant: "acme",
      bearer: await deriveTenantKey(first, "acme", generation()),
      body: { room_id: "slots", user_id: "ada", user_name: "Ada" },
      ...deployedWith(first),
    });
    expect(created.status).toBe(201);
    const { session_id, token } = apiSuccess(sfuSessionData).parse(created.json).data;
    const session = (deployed: CallOptions) =>
      call(`/api/realtime/sfu/sessions/${session_id}`, { tenant: "acme", bearer: token, ...deployed });
    // Past the room's auth, a plain GET is refused for want of an upgrade (426), not for its token.
    const room = (deployed: CallOptions) =>
      call(`/api/realtime/rooms/slots/ws?token=${encodeURIComponent(token)}`, deployed);
    const probeKey = await deriveProbeKey(first, env.STACK, generation());
    const probe = (deployed: CallOptions) => call("/api/probe/status", { bearer: probeKey, ...deployed });

    expect([
      (await session(afterOne)).status,
      (await room(afterOne)).status,
      (await probe(afterOne)).status,
    ]).toEqual([200, 426, 200]);
    expect([
      (await session(afterTwo)).status,
      (await room(afterTwo)).status,
      (await probe(afterTwo)).status,
    ]).toEqual([401, 401, 401]);
  });
});
