import Cloudflare from "cloudflare";
import { describe, expect, it } from "vitest";
import { scopedToken } from "#emulator/testing.ts";
import { conformanceSuite, expectApiError } from "./harness.ts";

/** The emulator's rate limits run on this clock, so that the 5-minute block is tested without waiting. */
const clock = { now: Date.now() };
const ctx = conformanceSuite({ clock: () => clock.now });

/** The SDK's error for a call that must fail. */
async function apiError(call: Promise<unknown>): Promise<InstanceType<typeof Cloudflare.APIError>> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Cloudflare.APIError);
  return error as InstanceType<typeof Cloudflare.APIError>;
}

/** `count` calls, `batch` at a time. */
async function repeat(count: number, call: (i: number) => Promise<unknown>, batch = 50): Promise<void> {
  for (let done = 0; done < count; done += batch) {
    await Promise.all(Array.from({ length: Math.min(batch, count - done) }, (_, i) => call(done + i)));
  }
}

describe("Cloudflare's API rate limit through the official SDK", () => {
  it("blocks a token for five minutes from the call past 1,200, not until its window ends, and counts it", async () => {
    const account_id = ctx.emu.accountId;
    const token = await scopedToken(ctx.emu, ["Stream Read"]);
    const tokenId = ctx.emu.stores.tokens.withValue(token)!.id;
    const reader = ctx.sdk(token);
    // The default budget, not a lowered one: 1,200 calls at once.
    await repeat(1200, () => reader.stream.liveInputs.list({ account_id }));

    clock.now += 200_000;
    const refused = await apiError(reader.stream.liveInputs.list({ account_id }));
    expect(refused.status).toBe(429);
    expect(refused.errors).toEqual([
      { code: 10000, message: "Rate limited. Please wait and consider throttling your request speed" },
    ]);
    expect(refused.headers?.get("retry-after")).toBe("300");
    expect(refused.headers?.get("ratelimit")).toBe('"default";r=0;t=300');
    expect(refused.headers?.get("ratelimit-policy")).toBe('"default";q=1200;w=300');

    // The window that started with the first call has ended; the block has not.
    clock.now += 100_000;
    const still = await apiError(reader.stream.liveInputs.list({ account_id }));
    expect([still.status, still.headers?.get("retry-after")]).toEqual([429, "200"]);
    // Another token's budget is its own.
    await ctx.sdk().stream.liveInputs.list({ account_id });

    clock.now += 200_000;
    const { response } = await reader.stream.liveInputs.list({ account_id }).withResponse();
    expect(response.headers.get("ratelimit")).toBe('"default";r=1199;t=300');
    expect(response.headers.has("retry-after")).toBe(false);

    const counters = (await ctx.admin.rateLimit()).tokens.find((t) => t.tokenId === tokenId);
    expect(counters).toEqual({
      tokenId,
      windowRequests: 1,
      // The 1,200 and the refusal 200 s later fall in one sliding 5 minutes.
      peakWindowRequests: 1201,
      refusals: 2,
      blockedUntil: null,
    });
  });

  it("reports a token's block on the admin counters while it lasts", async () => {
    const account_id = ctx.emu.accountId;
    // A budget of 2 keeps this one short; the test above spends the default 1,200.
    await ctx.admin.patchConfig({ rateLimit: { requests: 2, windowSeconds: 300 } });
    const cf = ctx.sdk();
    await cf.stream.liveInputs.list({ account_id });
    await cf.stream.liveInputs.list({ account_id });
    await expectApiError(cf.stream.liveInputs.list({ account_id }), 429, 10000);
    const { policy, tokens } = await ctx.admin.rateLimit();
    expect(policy).toEqual({ requests: 2, windowSeconds: 300 });
    expect(tokens).toEqual([
      {
        tokenId: expect.any(String),
        windowRequests: 0,
        peakWindowRequests: 3,
        refusals: 1,
        blockedUntil: new Date(clock.now + 300_000).toISOString(),
      },
    ]);
  });
});

describe("account quotas through the official SDK", () => {
  it("refuses the 501st account-owned API token", async () => {
    const cf = ctx.sdk();
    const account_id = ctx.emu.accountId;
    const [group] = (await cf.accounts.tokens.permissionGroups.get({ account_id, name: "Stream Read" })) as {
      id: string;
    }[];
    const policies = [
      {
        effect: "allow" as const,
        resources: { [`com.cloudflare.api.account.${account_id}`]: "*" },
        permission_groups: [{ id: group!.id }],
      },
    ];
    await repeat(500, (i) => cf.accounts.tokens.create({ account_id, name: `t${i}`, policies }));
    const refused = await apiError(cf.accounts.tokens.create({ account_id, name: "one more", policies }));
    expect([refused.status, refused.errors[0]?.code]).toEqual([400, 10021]);
    expect(refused.errors[0]?.message).toMatch(/at most 500 API tokens/);
    expect(ctx.emu.stores.tokens.ownedBy("account")).toHaveLength(500);
  });

  it("refuses the 1,001st TURN key", async () => {
    const cf = ctx.sdk();
    const account_id = ctx.emu.accountId;
    await repeat(1000, (i) => cf.calls.turn.create({ account_id, name: `key ${i}` }));
    const refused = await apiError(cf.calls.turn.create({ account_id, name: "one more" }));
    expect([refused.status, refused.errors[0]?.code]).toEqual([400, 10021]);
    expect(refused.errors[0]?.message).toMatch(/at most 1000 TURN keys/);
    expect((await cf.calls.turn.list({ account_id })).getPaginatedItems()).toHaveLength(1000);
  });
});
