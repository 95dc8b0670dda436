import { describe, expect, it } from "vitest";
import { timingSafeEqual } from "./derived-key.ts";
import { fromBase64url, toBase64url } from "./hmac.ts";
import { deriveTenantKey, tenantKeyGeneration } from "./tenant-key.ts";
import { base64urlRespellings as respellings } from "./testing.ts";

const secret = crypto.randomUUID();
describe("tenant keys", () => {
  it("accept the current and the previous generation only, and say which", async () => {
    const g1 = await deriveTenantKey(secret, "acme", 1);
    const g2 = await deriveTenantKey(secret, "acme", 2);
    const g3 = await deriveTenantKey(secret, "acme", 3);
    expect(await tenantKeyGeneration(secret, "acme", 2, g2)).toBe(2);
    expect(await tenantKeyGeneration(secret, "acme", 2, g1)).toBe(1);
    expect(await tenantKeyGeneration(secret, "acme", 3, g1)).toBeUndefined();
    expect(await tenantKeyGeneration(secret, "acme", 2, g3)).toBeUndefined();
  });

  it("are bound to the tenant and the secret", async () => {
    const key = await deriveTenantKey(secret, "acme", 1);
    expect(await tenantKeyGeneration(secret, "globex", 1, key)).toBeUndefined();
    expect(await tenantKeyGeneration(crypto.randomUUID(), "acme", 1, key)).toBeUndefined();
    expect(await tenantKeyGeneration(secret, "acme", 1, `${key}x`)).toBeUndefined();
    expect(await tenantKeyGeneration(secret, "acme", 1, "")).toBeUndefined();
  });

  it("have one spelling: a respelled last character or generation is refused", async () => {
    const key = await deriveTenantKey(secret, "acme", 1);
    const mac = key.split(".")[2]!;
    const spellings = respellings(mac);
    expect(spellings).toHaveLength(3);
    for (const respelled of spellings) {
      expect(fromBase64url(respelled)).toBeUndefined();
      expect(await tenantKeyGeneration(secret, "acme", 1, `rsk.1.${respelled}`)).toBeUndefined();
    }
    expect(await tenantKeyGeneration(secret, "acme", 1, key.replace("rsk.1.", "rsk.01."))).toBeUndefined();
  });

  it("compares strings without short-circuiting on content", () => {
    expect(timingSafeEqual("abc", "abc")).toBe(true);
    expect(timingSafeEqual("abc", "abd")).toBe(false);
    expect(timingSafeEqual("abc", "abcd")).toBe(false);
  });
});

describe("base64url", () => {
  it("decodes only the canonical spelling of any bytes", () => {
    for (let length = 0; length <= 33; length++) {
      const bytes = crypto.getRandomValues(new Uint8Array(length));
      const text = toBase64url(bytes);
      expect(fromBase64url(text)).toEqual(bytes);
      for (const respelled of respellings(text)) expect(fromBase64url(respelled), respelled).toBeUndefined();
    }
    expect(fromBase64url("A")).toBeUndefined();
    expect(fromBase64url("AA==")).toBeUndefined();
  });
});
