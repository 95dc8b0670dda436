import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { apiFailure, apiSuccess } from "#contracts/api/envelope.ts";
import { turnData } from "#contracts/api/realtime.ts";
import { callAs, emulatorAdmin } from "../../test/support/api.ts";
import { createApp } from "../app.ts";
import { withoutPort53 } from "../upstream/turn.ts";

const turn = (body: unknown, tenant = "acme") =>
  callAs(tenant, "/api/realtime/turn", { method: "POST", body });

describe("POST /api/realtime/turn", () => {
  it("mints ICE servers in Cloudflare's shape that expire after the default TTL", async () => {
    const before = Date.now();
    const res = await turn({});
    expect(res.status).toBe(200);
    const { data } = apiSuccess(turnData).parse(res.json);
    const relay = data.iceServers.find((server) => server.username);
    expect(relay?.credential).toBeTruthy();
    expect([relay?.urls].flat().every((url) => url?.startsWith("turn:"))).toBe(true);
    const lifetime = Date.parse(data.expires_at) - before;
    expect(lifetime).toBeGreaterThanOrEqual(86_399_000);
    expect(lifetime).toBeLessThanOrEqual(86_401_000);
  });

  it("honours a ttl within bounds and tags the credential with tenant and user", async () => {
    const since = Math.max(
      0,
      ...(await emulatorAdmin<{ seq: number }[]>("GET", "/requests")).map((r) => r.seq),
    );
    const res = await turn({ ttl: 60, user_id: "alice" });
    expect(res.status).toBe(200);
    const sent = await emulatorAdmin<{ path: string; body: { ttl: number; customIdentifier: string } }[]>(
      "GET",
      `/requests?since=${since}&path=generate-ice-servers`,
    );
    expect(sent.map((r) => r.body)).toContainEqual({ ttl: 60, customIdentifier: "acme:alice" });
  });

  it("400s a ttl outside 60..172800 or not an integer, naming ttl", async () => {
    for (const ttl of [59, 0, -1, 172_801, 1.5, "3600", null, 1e308]) {
      const res = await turn({ ttl });
      expect(res.status).toBe(400);
      expect(apiFailure.parse(res.json).error.message).toContain("ttl");
    }
  });

  it("400s a ttl above the deployment's CREDENTIAL_TTL_MAX", async () => {
    const capped = {
      app: createApp(),
      env: { ...env, CREDENTIAL_TTL_MAX: "3600", CREDENTIAL_TTL_DEFAULT: "600" },
    };
    const res = await callAs("acme", "/api/realtime/turn", {
      method: "POST",
      body: { ttl: 7200 },
      app: capped,
    });
    expect(res.status).toBe(400);
    expect(apiFailure.parse(res.json).error.message).toContain("at most 3600");
  });
});

describe("withoutPort53", () => {
  it("drops port-53 URLs as Cloudflare advises for browsers, keeping every other URL and each server's shape", () => {
    const servers = [
      { urls: ["stun:stun.cloudflare.com:3478", "stun:stun.cloudflare.com:53"] },
      {
        urls: [
          "turn:turn.cloudflare.com:3478?transport=udp",
          "turn:turn.cloudflare.com:53?transport=udp",
          "turns:turn.cloudflare.com:443?transport=tcp",
        ],
        username: "u",
        credential: "c",
      },
      { urls: "stun:stun.example.test:53" },
      { urls: "turn:[2001:db8::1]:5349" },
    ];
    expect(withoutPort53(servers)).toEqual([
      { urls: ["stun:stun.cloudflare.com:3478"] },
      {
        urls: ["turn:turn.cloudflare.com:3478?transport=udp", "turns:turn.cloudflare.com:443?transport=tcp"],
        username: "u",
        credential: "c",
      },
      { urls: "turn:[2001:db8::1]:5349" },
    ]);
  });
});
