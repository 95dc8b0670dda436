import { describe, expect, it } from "vitest";
import { CloudflareRest } from "#infra/cloudflare-rest.ts";
import { CheckWarning } from "./check.ts";
import type { SmokeTarget } from "./target.ts";
import { parseExpiryWindow, tokenExpiryChecks } from "./token-expiry.ts";

const NOW = Date.parse("2026-12-06T12:00:00Z");
const ACCOUNT = "0123456789abcdef0123456789abcdef";

/** A target whose account API answers the deploy token's verify with `result`, in Cloudflare's envelope. */
function targetVerifying(result: Record<string, unknown>): SmokeTarget {
  const fetch = async () =>
    new Response(JSON.stringify({ success: true, errors: [], messages: [], result }), {
      headers: { "content-type": "application/json" },
    });
  return {
    workerUrl: "http://127.0.0.1:9",
    tenants: [{ id: "acme", key: "k", channels: [] }],
    cloudflare: {
      client: new CloudflareRest({ baseUrl: "http://127.0.0.1:9/client/v4", token: "t", fetch }),
      accountId: ACCOUNT,
    },
  };
}
const deployCheck = (result: Record<string, unknown>, warnWithinMs = 14 * 86_400_000) =>
  tokenExpiryChecks(targetVerifying(result), { warnWithinMs, now: () => NOW })[0]!;
const signal = new AbortController().signal;

describe("parseExpiryWindow", () => {
  it("reads days, hours and minutes, and nothing else", () => {
    expect(parseExpiryWindow("14d")).toBe(14 * 86_400_000);
    expect(parseExpiryWindow("36h")).toBe(36 * 3_600_000);
    expect(parseExpiryWindow("90m")).toBe(90 * 60_000);
    for (const bad of ["2w", "", "1.5d", "d", "-1d", "14 d"])
      expect(parseExpiryWindow(bad), bad).toBeUndefined();
  });
});

describe("the deploy token's expiry", () => {
  it("has no check without the account's API (a Worker given by --url)", () => {
    const { cloudflare: _, ...bare } = targetVerifying({});
    expect(tokenExpiryChecks(bare, { warnWithinMs: 1 })).toEqual([]);
  });

  it("says how long is left in the largest whole unit", async () => {
    const inHours = await deployCheck({ id: "t1", status: "active", expires_on: "2026-12-06T17:30:00Z" }).run(
      signal,
    );
    expect(inHours).toBeInstanceOf(CheckWarning);
    expect((inHours as CheckWarning).detail).toBe(
      "the deploy token t1 expires 2026-12-06T17:30:00Z, in 5 hours, within the 14 days warning window: roll or replace it before then",
    );
    const inMinutes = await deployCheck(
      { id: "t1", status: "active", expires_on: "2026-12-06T12:20:00Z" },
      3_600_000,
    ).run(signal);
    expect((inMinutes as CheckWarning).detail).toContain("in 20 minutes, within the 1 hour warning window");
    expect(
      await deployCheck({ id: "t1", status: "active", expires_on: "2027-01-06T12:00:00Z" }).run(signal),
    ).toBe("the deploy token t1 expires 2027-01-06T12:00:00Z, in 31 days");
  });

  it("fails a disabled or expired token, whichever way Cloudflare says so", async () => {
    await expect(deployCheck({ id: "t1", status: "disabled" }).run(signal)).rejects.toThrow(
      "the deploy token t1 is disabled: Cloudflare refuses it",
    );
    await expect(
      deployCheck({ id: "t1", status: "expired", expires_on: "2026-12-01T00:00:00Z" }).run(signal),
    ).rejects.toThrow("the deploy token t1 expired on 2026-12-01T00:00:00Z: Cloudflare refuses it");
    // Still "active" in the answer, but past its date by the clock: refused all the same.
    await expect(
      deployCheck({ id: "t1", status: "active", expires_on: "2026-12-06T11:59:00Z" }).run(signal),
    ).rejects.toThrow("expired on 2026-12-06T11:59:00Z");
  });

  it("tells a refused token from an outage of the verify endpoint", async () => {
    const answering = (status: number): SmokeTarget => {
      const fetch = async () =>
        Response.json(
          { success: false, errors: [{ code: 1000, message: "no" }], messages: [], result: null },
          { status },
        );
      return {
        ...targetVerifying({}),
        cloudflare: {
          client: new CloudflareRest({ baseUrl: "http://127.0.0.1:9/client/v4", token: "t", fetch }),
          accountId: ACCOUNT,
        },
      };
    };
    const check = (status: number) =>
      tokenExpiryChecks(answering(status), { warnWithinMs: 1 })[0]!.run(signal);
    await expect(check(401)).rejects.toThrow(
      "Cloudflare refuses the deploy token (expired, disabled or wrong)",
    );
    await expect(check(503)).rejects.toThrow("Cloudflare could not verify the deploy token");
  });
});
