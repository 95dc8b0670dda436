import { describe, expect, it } from "vitest";
import {
  compactTenantMap,
  DEFAULT_TENANT_LIMITS,
  type DeclaredTenant,
  embedTenantMap,
  TENANT_MAP_PLACEHOLDER,
  type TenantMap,
} from "./tenant-map.ts";

const BASE = "https://customer-abcdefghijklmnop.cloudflarestream.com";
const uid = (n: number) => n.toString(16).padStart(32, "0");
const tenant = (id: string, extra: Partial<DeclaredTenant> = {}): DeclaredTenant => ({
  id,
  allowedOrigins: [],
  limits: DEFAULT_TENANT_LIMITS,
  channels: [{ name: "main", liveInputId: uid(1), playbackBase: BASE }],
  ...extra,
});

describe("the compact tenant map", () => {
  it("writes the delivery host once and leaves out what every tenant gets by default", () => {
    const map = compactTenantMap(
      [
        tenant("plain"),
        tenant("custom", {
          allowedOrigins: ["https://app.example"],
          limits: { ...DEFAULT_TENANT_LIMITS, cloudflareApiPer5Minutes: 10 },
          channels: [
            { name: "a", liveInputId: uid(2), playbackBase: BASE },
            { name: "b", liveInputId: uid(3), playbackBase: BASE },
          ],
        }),
      ],
      1_140,
      [BASE],
    );
    expect(map).toEqual({
      playbackBase: BASE,
      cloudflareApiPer5Minutes: 1_140,
      tenants: {
        plain: { channels: { main: uid(1) } },
        custom: {
          channels: { a: uid(2), b: uid(3) },
          allowedOrigins: ["https://app.example"],
          limits: { ...DEFAULT_TENANT_LIMITS, cloudflareApiPer5Minutes: 10 },
        },
      },
    });
  });

  it("refuses live inputs delivered from more than one host: no account has two", () => {
    const other = tenant("other", {
      channels: [
        { name: "x", liveInputId: uid(4), playbackBase: "https://customer-zz.cloudflarestream.com" },
      ],
    });
    expect(() => compactTenantMap([tenant("a"), other], 1_140)).toThrow(
      "the live inputs must share one Stream delivery host",
    );
    expect(() => compactTenantMap([tenant("a")], 1_140, ["https://elsewhere.example"])).toThrow(
      "https://elsewhere.example",
    );
  });
});

describe("embedding the map in the script", () => {
  const map: TenantMap = {
    playbackBase: BASE,
    cloudflareApiPer5Minutes: 1_140,
    tenants: { acme: { channels: { main: uid(1) }, allowedOrigins: ["https://a.example/$&$1"] } },
  };

  it("puts the map in as a JSON string literal in place of the placeholder, whichever quotes it has", () => {
    for (const quote of ['"', "'", "`"]) {
      const script = `const a=1;export const S=${quote}${TENANT_MAP_PLACEHOLDER}${quote};`;
      const embedded = embedTenantMap(script, map);
      const literal = embedded.slice("const a=1;export const S=".length, -1);
      // What the Worker gets: the JSON, `$` patterns and all, parsed back to the same map.
      expect(JSON.parse(JSON.parse(literal))).toEqual(map);
    }
  });

  it("refuses a script without the placeholder, or with it twice, and a map the Worker would not accept", () => {
    expect(() => embedTenantMap("export default {}", map)).toThrow("it holds it 0 times");
    const twice = `"${TENANT_MAP_PLACEHOLDER}";"${TENANT_MAP_PLACEHOLDER}"`;
    expect(() => embedTenantMap(twice, map)).toThrow("it holds it 2 times");
    const script = `"${TENANT_MAP_PLACEHOLDER}"`;
    expect(() => embedTenantMap(script, { ...map, tenants: { "no spaces": { channels: {} } } })).toThrow();
    expect(() =>
      embedTenantMap(script, { ...map, tenants: { acme: { channels: { main: "x" } } } }),
    ).toThrow();
  });
});
