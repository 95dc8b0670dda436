import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { CloudflareRest } from "#infra/cloudflare-rest.ts";
import type { StackDriver } from "#infra/stack-driver.ts";
import { rollDeployToken } from "./deploy-token.ts";

const envelope = (result: unknown) =>
  new Response(JSON.stringify({ success: true, errors: [], messages: [], result }), { status: 200 });

/**
 * A user-owned deploy token that verifies and rolls (the answers Cloudflare gives, scripted), and a
 * stack whose config refuses the new value `failures` times before taking it.
 */
function rollingStack(failures: number) {
  const rolled = `fake-rolled-${randomBytes(24).toString("hex")}`;
  const answers = [envelope({ id: "tok", status: "active" }), envelope(rolled)];
  const client = new CloudflareRest({
    baseUrl: "https://api.test/client/v4",
    token: "fake-old-deploy-token",
    fetch: async () => answers.shift() ?? new Response("no more scripted answers", { status: 500 }),
    retry: {
      deadlineMs: 60_000,
      backoff: { random: () => 0 },
      clock: { now: () => 0, sleep: async () => {} },
    },
  });
  const stored: string[] = [];
  let refusals = failures;
  const driver = {
    description: "stack test",
    cloudflareApi: async () => ({ client, accountId: "acct" }),
    setSecret: async (_key: string, value: string) => {
      if (refusals-- > 0) throw new Error(`config set failed for ${value}: the backend answered 503`);
      stored.push(value);
    },
  } as unknown as StackDriver;
  return { driver, rolled, stored };
}

describe("rollDeployToken", () => {
  it("stores the rolled value even when the stack's config refuses it twice", async () => {
    const { driver, rolled, stored } = rollingStack(2);
    await expect(rollDeployToken(driver)).resolves.toContain("user-owned token tok rolled");
    expect(stored).toEqual([rolled]);
  });

  it("says the token was rolled and what to do when the value cannot be stored, without the value", async () => {
    const { driver, rolled } = rollingStack(3);
    const error = await rollDeployToken(driver).then(
      () => expect.unreachable("storing failed every time, so the roll must fail"),
      (e: unknown) => e as Error,
    );
    expect(error.message).toMatch(/^deploy token tok was rolled, so its old value no longer works/);
    expect(error.message).toContain(
      "failed 3 times (last: config set failed for [secret]: the backend answered 503)",
    );
    expect(error.message).toContain("Roll it again in Cloudflare's dashboard");
    expect(error.message).not.toContain(rolled);
  });
});
