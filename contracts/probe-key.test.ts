import { describe, expect, it } from "vitest";
import { deriveProbeKey, verifyProbeKey } from "./probe-key.ts";
import { deriveTenantKey, tenantKeyGeneration } from "./tenant-key.ts";

const secret = crypto.randomUUID();

describe("the probe key", () => {
  it("accepts the current and the previous generation only", async () => {
    const [g1, g2, g3] = await Promise.all([1, 2, 3].map((g) => deriveProbeKey(secret, "dev", g)));
    expect(g2).toMatch(/^rpk\.2\.[A-Za-z0-9_-]{43}$/);
    expect(await verifyProbeKey(secret, "dev", 2, g2!)).toBe(true);
    expect(await verifyProbeKey(secret, "dev", 2, g1!)).toBe(true);
    expect(await verifyProbeKey(secret, "dev", 3, g1!)).toBe(false);
    expect(await verifyProbeKey(secret, "dev", 2, g3!)).toBe(false);
  });

  it("is bound to the stack and the secret", async () => {
    const key = await deriveProbeKey(secret, "dev", 1);
    expect(await verifyProbeKey(secret, "prod", 1, key)).toBe(false);
    expect(await verifyProbeKey(crypto.randomUUID(), "dev", 1, key)).toBe(false);
    expect(await verifyProbeKey(secret, "dev", 1, `${key}x`)).toBe(false);
  });

  it("is never a tenant key, and no tenant key is a probe key", async () => {
    const probe = await deriveProbeKey(secret, "dev", 1);
    const tenant = await deriveTenantKey(secret, "dev", 1);
    expect(await tenantKeyGeneration(secret, "dev", 1, probe)).toBeUndefined();
    expect(await verifyProbeKey(secret, "dev", 1, tenant)).toBe(false);
    expect(await verifyProbeKey(secret, "dev", 1, `rpk${tenant.slice(3)}`)).toBe(false);
  });
});
