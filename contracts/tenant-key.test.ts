import { describe, expect, it } from "vitest";
import { deriveTenantKey, timingSafeEqual, verifyTenantKey } from "./tenant-key.ts";

const secret = crypto.randomUUID();

describe("tenant keys", () => {
  it("accept the current and the previous generation only", async () => {
    const g1 = await deriveTenantKey(secret, "acme", 1);
    const g2 = await deriveTenantKey(secret, "acme", 2);
    const g3 = await deriveTenantKey(secret, "acme", 3);
    expect(await verifyTenantKey(secret, "acme", 2, g2)).toBe(true);
    expect(await verifyTenantKey(secret, "acme", 2, g1)).toBe(true);
    expect(await verifyTenantKey(secret, "acme", 3, g1)).toBe(false);
    expect(await verifyTenantKey(secret, "acme", 2, g3)).toBe(false);
  });

  it("are bound to the tenant and the secret", async () => {
    const key = await deriveTenantKey(secret, "acme", 1);
    expect(await verifyTenantKey(secret, "globex", 1, key)).toBe(false);
    expect(await verifyTenantKey(crypto.randomUUID(), "acme", 1, key)).toBe(false);
    expect(await verifyTenantKey(secret, "acme", 1, `${key}x`)).toBe(false);
    expect(await verifyTenantKey(secret, "acme", 1, "")).toBe(false);
  });

  it("compares strings without short-circuiting on content", () => {
    expect(timingSafeEqual("abc", "abc")).toBe(true);
    expect(timingSafeEqual("abc", "abd")).toBe(false);
    expect(timingSafeEqual("abc", "abcd")).toBe(false);
  });
});
