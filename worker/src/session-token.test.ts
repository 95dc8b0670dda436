import { describe, expect, it } from "vitest";
import { deriveTenantKey } from "#contracts/tenant-key.ts";
import { base64urlRespellings } from "#contracts/testing.ts";
import { type SessionClaims, signSessionToken, verifySessionToken } from "./session-token.ts";

const SECRET = "a-signing-secret-for-tests-only-0123456789";
const claims: SessionClaims = {
  tenant: "acme",
  room: "r1",
  user: "alice",
  name: "Alice",
  session: "s".repeat(32),
  exp: 2_000,
};

describe("session tokens", () => {
  it("verify with their claims until they expire", async () => {
    const token = await signSessionToken(SECRET, claims);
    expect(await verifySessionToken(SECRET, token, 1_999)).toEqual(claims);
    expect(await verifySessionToken(SECRET, token, 2_000)).toBeUndefined();
  });

  it("refuse a token signed with another secret, or whose claims or signature were altered", async () => {
    const token = await signSessionToken(SECRET, claims);
    const [prefix, payload, mac] = token.split(".") as [string, string, string];
    const forged = btoa(JSON.stringify({ ...claims, tenant: "globex" })).replace(/=+$/, "");
    for (const bad of [
      await signSessionToken(`${SECRET}-other`, claims),
      `${prefix}.${forged}.${mac}`,
      `${prefix}.${payload}.${mac.slice(0, -2)}AA`,
      `${prefix}.${payload}`,
      `${token}.extra`,
      `rst0.${payload}.${mac}`,
      "",
    ]) {
      expect(await verifySessionToken(SECRET, bad, 0)).toBeUndefined();
    }
  });

  it("have one spelling: the signature with other unused bits in its last character is refused", async () => {
    const token = await signSessionToken(SECRET, claims);
    const [prefix, payload, mac] = token.split(".") as [string, string, string];
    const respelled = base64urlRespellings(mac);
    expect(respelled).toHaveLength(3);
    for (const other of respelled) {
      expect(await verifySessionToken(SECRET, `${prefix}.${payload}.${other}`, 0)).toBeUndefined();
    }
    for (const other of base64urlRespellings(payload)) {
      expect(await verifySessionToken(SECRET, `${prefix}.${other}.${mac}`, 0)).toBeUndefined();
    }
  });

  it("are domain-separated from tenant keys made with the same secret", async () => {
    const tenantKey = await deriveTenantKey(SECRET, "acme", 1);
    expect(await verifySessionToken(SECRET, tenantKey, 0)).toBeUndefined();
  });
});
