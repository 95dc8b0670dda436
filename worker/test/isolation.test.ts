import { beforeAll, describe, expect, it } from "vitest";
import { apiFailure, apiSuccess } from "#contracts/api/envelope.ts";
import { sfuSessionData } from "#contracts/api/realtime.ts";
import { tracksNewResponse } from "#contracts/cloudflare/realtime.ts";
import { type Answer, type CallOptions, call, callAs, tenantKey } from "./support/api.ts";
import { answerTo, PUBLISH_OFFER } from "./support/sdp.ts";

/**
 * Every authenticated route × no key, a wrong key, another tenant's key, the right key. Tenant
 * routes take the tenant key; the session proxy takes the token of the session in its path.
 * A wrong key is 401 everywhere. Another tenant's credential is 401 on a tenant route, since a
 * tenant key does not name its tenant and so cannot be told from a forged one, and 403 on the
 * session proxy, whose token is genuine but for another session.
 */
type Credential = Pick<CallOptions, "tenant" | "bearer">;
interface Case {
  route: string;
  path: () => string;
  method: string;
  body?: () => unknown;
  none: Credential;
  wrong: () => Credential;
  otherTenant: () => Credential;
  otherTenantRefusal: { status: number; code: string };
  right: () => Credential;
}

const GARBAGE_KEY = "rsk.2.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const keys: Record<string, string> = {};
const sessions: Record<"acme" | "globex" | "publisher", { session_id: string; token: string }> = {} as never;
let pullOffer = "";

async function newSession(tenant: string, user: string) {
  const res = await callAs(tenant, "/api/realtime/sfu", {
    method: "POST",
    body: { room_id: "isolation", user_id: user, user_name: user },
  });
  return apiSuccess(sfuSessionData).parse(res.json).data;
}

beforeAll(async () => {
  keys.acme = await tenantKey("acme");
  keys.globex = await tenantKey("globex");
  sessions.acme = await newSession("acme", "viewer");
  sessions.globex = await newSession("globex", "viewer");
  sessions.publisher = await newSession("acme", "publisher");
  const published = await call(`/api/realtime/sfu/sessions/${sessions.publisher.session_id}/tracks/new`, {
    method: "POST",
    tenant: "acme",
    bearer: sessions.publisher.token,
    body: { sessionDescription: PUBLISH_OFFER, tracks: [{ location: "local", mid: "0", trackName: "mic" }] },
  });
  expect(published.status).toBe(200);
});

const tenantRoute = (route: string, method: string, path: string, body?: unknown): Case => ({
  route,
  path: () => path,
  method,
  ...(body === undefined ? {} : { body: () => body }),
  none: {},
  wrong: () => ({ tenant: "acme", bearer: GARBAGE_KEY }),
  otherTenant: () => ({ tenant: "acme", bearer: keys.globex! }),
  otherTenantRefusal: { status: 401, code: "invalid_credential" },
  right: () => ({ tenant: "acme", bearer: keys.acme! }),
});

const sessionRoute = (route: string, method: string, suffix: string, body?: () => unknown): Case => ({
  route,
  path: () => `/api/realtime/sfu/sessions/${sessions.acme.session_id}${suffix}`,
  method,
  ...(body === undefined ? {} : { body }),
  none: {},
  wrong: () => ({ tenant: "acme", bearer: `${sessions.acme.token.slice(0, -4)}AAAA` }),
  otherTenant: () => ({ tenant: "globex", bearer: sessions.globex.token }),
  otherTenantRefusal: { status: 403, code: "forbidden" },
  right: () => ({ tenant: "acme", bearer: sessions.acme.token }),
});

// In this order, the right-key calls make a working sequence on one session.
const CASES: Case[] = [
  tenantRoute("streamStatus", "GET", "/api/stream/status?channel=main"),
  tenantRoute("streamConnect", "POST", "/api/stream/connect", { channel: "main" }),
  tenantRoute("streamStatus (every channel)", "GET", "/api/stream/status"),
  tenantRoute("turn", "POST", "/api/realtime/turn", {}),
  tenantRoute("turn (alias)", "POST", "/api/realtime/turn/credentials", {}),
  tenantRoute("sfuSession", "POST", "/api/realtime/sfu", { room_id: "r", user_id: "u", user_name: "U" }),
  tenantRoute("sfuSession (alias)", "POST", "/api/realtime/sfu/connect", {
    room_id: "r",
    user_id: "u",
    user_name: "U",
  }),
  sessionRoute("sfuTracksNew", "POST", "/tracks/new", () => ({
    tracks: [{ location: "remote", sessionId: sessions.publisher.session_id, trackName: "mic" }],
  })),
  sessionRoute("sfuRenegotiate", "PUT", "/renegotiate", () => ({ sessionDescription: answerTo(pullOffer) })),
  sessionRoute("sfuTracksClose", "PUT", "/tracks/close", () => ({ tracks: [{ mid: "0" }], force: true })),
  sessionRoute("sfuSessionGet", "GET", ""),
];

const send = (c: Case, credential: Credential): Promise<Answer> =>
  call(c.path(), { method: c.method, ...credential, ...(c.body ? { body: c.body() } : {}) });

describe("tenant isolation", () => {
  describe.each(CASES)("$route", (c) => {
    it("no key: 401", async () => {
      const res = await send(c, c.none);
      expect(res.status).toBe(401);
      expect(apiFailure.parse(res.json).error.code).toBe("unauthorized");
    });

    it("a wrong key: 401", async () => {
      const res = await send(c, c.wrong());
      expect(res.status).toBe(401);
      expect(apiFailure.parse(res.json).error.code).toBe("invalid_credential");
    });

    it(`another tenant's key: ${c.otherTenantRefusal.status}`, async () => {
      const res = await send(c, c.otherTenant());
      expect(res.status).toBe(c.otherTenantRefusal.status);
      expect(apiFailure.parse(res.json).error.code).toBe(c.otherTenantRefusal.code);
    });

    it("the right key: success", async () => {
      const res = await send(c, c.right());
      expect(res.status, res.text).toBeLessThan(300);
      if (c.route === "sfuTracksNew")
        pullOffer = apiSuccess(tracksNewResponse).parse(res.json).data.sessionDescription!.sdp;
    });
  });

  it("another tenant's own key reads none of this tenant's channels", async () => {
    for (const channel of ["backup", "connect", "faulty"]) {
      const status = await callAs("globex", `/api/stream/status?channel=${channel}`);
      expect(status.status).toBe(404);
      const connect = await callAs("globex", "/api/stream/connect", { method: "POST", body: { channel } });
      expect(connect.status).toBe(404);
    }
  });
});
