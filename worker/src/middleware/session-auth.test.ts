import { describe, expect, it } from "vitest";
import { apiFailure } from "#contracts/api/envelope.ts";
import { base64urlRespellings } from "#contracts/testing.ts";
import { call, fixture } from "../../test/support/api.ts";
import { signSessionToken } from "../session-token.ts";

const SESSION = "0123456789abcdef0123456789abcdef";
const token = (overrides: Partial<Parameters<typeof signSessionToken>[1]> = {}) =>
  signSessionToken(fixture().bindings.SIGNING_SECRET!, {
    tenant: "acme",
    room: "r",
    user: "u",
    name: "U",
    session: SESSION,
    exp: Math.floor(Date.now() / 1000) + 60,
    ...overrides,
  });
const get = async (bearer: string | undefined, tenant = "acme", session = SESSION) =>
  call(`/api/realtime/sfu/sessions/${session}`, { tenant, ...(bearer === undefined ? {} : { bearer }) });

describe("session auth", () => {
  it("401s a request without a token", async () => {
    const res = await get(undefined);
    expect(res.status).toBe(401);
    expect(apiFailure.parse(res.json).error.code).toBe("unauthorized");
  });

  it("401s an expired token and one of a tenant no longer served, as RFC 6750's invalid_token", async () => {
    const refusals = [
      await get(await token({ exp: Math.floor(Date.now() / 1000) - 1 })),
      await get(await token({ tenant: "nobody" }), "nobody"),
    ];
    for (const res of refusals) {
      expect(res.status).toBe(401);
      expect(apiFailure.parse(res.json).error.code).toBe("invalid_credential");
    }
  });

  it("403s a genuine token for another session or sent with another tenant's header", async () => {
    const refusals = [
      await get(await token(), "acme", "fedcba9876543210fedcba9876543210"),
      await get(await token(), "globex"),
    ];
    for (const res of refusals) {
      expect(res.status).toBe(403);
      expect(apiFailure.parse(res.json).error.code).toBe("forbidden");
    }
  });

  it("401s the session's own token respelled (other unused bits in the signature's last character)", async () => {
    const genuine = await token();
    const mac = genuine.split(".")[2]!;
    for (const other of base64urlRespellings(mac)) {
      const res = await get(`${genuine.slice(0, -mac.length)}${other}`);
      expect(res.status).toBe(401);
    }
  });

  it("lets the session's own token through to Realtime", async () => {
    const res = await get(await token());
    // The session does not exist upstream: auth passed, and Realtime's 404 comes through.
    expect(res.status).toBe(404);
    expect(apiFailure.parse(res.json).error).toMatchObject({
      code: "upstream_rejected",
      details: { upstream: "sfu" },
    });
  });
});
