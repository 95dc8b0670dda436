import type Cloudflare from "cloudflare";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { permissionGroup, token, tokenVerify, tokenWithValue } from "#contracts/cloudflare/tokens.ts";
import { mintUserToken } from "#emulator/account-token.ts";
import { scopedToken } from "#emulator/testing.ts";
import { conformanceSuite, expectApiError } from "./harness.ts";

const ctx = conformanceSuite();

describe("account API tokens through the official SDK", () => {
  it("looks up a permission group, creates, lists, gets, updates, rolls, verifies and deletes a token", async () => {
    const cf = ctx.sdk();
    const account_id = ctx.emu.accountId;
    const groups = z
      .array(permissionGroup)
      .parse(await cf.accounts.tokens.permissionGroups.get({ account_id, name: "Stream Read" }));
    expect(groups.map((g) => g.name)).toEqual(["Stream Read"]);
    const listedGroups = [];
    for await (const g of cf.accounts.tokens.permissionGroups.list({ account_id })) {
      listedGroups.push(permissionGroup.parse(g));
    }
    expect(listedGroups.length).toBeGreaterThan(groups.length);

    const policies: Parameters<Cloudflare["accounts"]["tokens"]["create"]>[0]["policies"] = [
      {
        effect: "allow",
        resources: { [`com.cloudflare.api.account.${account_id}`]: "*" },
        permission_groups: [{ id: groups[0]!.id }],
      },
    ];
    const created = tokenWithValue.parse(
      await cf.accounts.tokens.create({ account_id, name: "worker", policies }),
    );

    const listed = [];
    for await (const t of cf.accounts.tokens.list({ account_id, per_page: 5 }))
      listed.push(token.strict().parse(t));
    expect(listed.map((t) => t.id)).toEqual([created.id]);
    expect(token.strict().parse(await cf.accounts.tokens.get(created.id, { account_id })).name).toBe(
      "worker",
    );

    const disabled = token.strict().parse(
      await cf.accounts.tokens.update(created.id, {
        account_id,
        name: "worker",
        policies,
        status: "disabled",
      }),
    );
    expect(disabled.status).toBe("disabled");
    await cf.accounts.tokens.update(created.id, { account_id, name: "worker", policies, status: "active" });

    const rolled = z.string().parse(await cf.accounts.tokens.value.update(created.id, { account_id }));
    expect(rolled).not.toBe(created.value);
    const verified = tokenVerify.parse(await ctx.sdk(rolled).accounts.tokens.verify({ account_id }));
    expect(verified).toMatchObject({ id: created.id, status: "active" });
    await expectApiError(ctx.sdk(created.value).accounts.tokens.verify({ account_id }), 401, 1000);

    expect(await cf.accounts.tokens.delete(created.id, { account_id })).toEqual({ id: created.id });
    await expectApiError(cf.accounts.tokens.get(created.id, { account_id }), 404, 10007);
  });

  it("rolls a token with its own value (verify gives its id), in the cfat_ format; the old value is refused at once", async () => {
    const account_id = ctx.emu.accountId;
    const minter = await scopedToken(ctx.emu, ["Account API Tokens Write"]);
    expect(minter).toMatch(/^cfat_[A-Za-z0-9_-]{40}[0-9a-f]{8}$/);
    const own = tokenVerify.parse(await ctx.sdk(minter).accounts.tokens.verify({ account_id }));
    // The roll destroys the value it is sent with: a retry would be sent with a dead token.
    const rolled = z
      .string()
      .parse(await ctx.sdk(minter).accounts.tokens.value.update(own.id, { account_id }, { maxRetries: 0 }));
    expect(rolled).toMatch(/^cfat_[A-Za-z0-9_-]{40}[0-9a-f]{8}$/);
    await expectApiError(ctx.sdk(minter).accounts.tokens.verify({ account_id }), 401, 1000);
    expect(tokenVerify.parse(await ctx.sdk(rolled).accounts.tokens.verify({ account_id })).id).toBe(own.id);
    // The documented curl sends `{}`; SDK 7.3.0 sends no body at all (above). Both roll.
    const res = await fetch(`${ctx.emu.apiBase}/accounts/${account_id}/tokens/${own.id}/value`, {
      method: "PUT",
      headers: { authorization: `Bearer ${rolled}`, "content-type": "application/json" },
      body: "{}",
    });
    const body = z.object({ success: z.literal(true), result: z.string() }).parse(await res.json());
    expect(body.result).not.toBe(rolled);
    await expectApiError(ctx.sdk(rolled).accounts.tokens.verify({ account_id }), 401, 1000);
  });

  it("surfaces 403 as Cloudflare.APIError for a token without Account API Tokens Write", async () => {
    const reader = ctx.sdk(await scopedToken(ctx.emu, ["Account API Tokens Read"]));
    const account_id = ctx.emu.accountId;
    expect((await reader.accounts.tokens.list({ account_id })).getPaginatedItems()).toHaveLength(1);
    await expectApiError(reader.accounts.tokens.create({ account_id, name: "x", policies: [] }), 403, 10000);
  });
});

describe("user-owned API tokens through the official SDK", () => {
  const userToken = (user: string[]) =>
    mintUserToken(ctx.emu, "deploy (user)", { account: ["Stream Read"], user });

  it("rolls a user's token with its own value (user verify gives its id), in the cfut_ format; the old value is refused at once", async () => {
    const minted = await userToken(["API Tokens Write"]);
    expect(minted).toMatch(/^cfut_[A-Za-z0-9_-]{40}[0-9a-f]{8}$/);
    const own = tokenVerify.parse(await ctx.sdk(minted).user.tokens.verify());
    // The roll destroys the value it is sent with: a retry would be sent with a dead token.
    const rolled = z
      .string()
      .parse(await ctx.sdk(minted).user.tokens.value.update(own.id, { maxRetries: 0 }));
    expect(rolled).toMatch(/^cfut_[A-Za-z0-9_-]{40}[0-9a-f]{8}$/);
    await expectApiError(ctx.sdk(minted).user.tokens.verify(), 401, 1000);
    expect(tokenVerify.parse(await ctx.sdk(rolled).user.tokens.verify()).id).toBe(own.id);
    // What the token holds on the account goes with it through the roll.
    const account_id = ctx.emu.accountId;
    expect(await ctx.sdk(rolled).stream.liveInputs.list({ account_id })).toBeDefined();
    await expectApiError(ctx.sdk(minted).stream.liveInputs.list({ account_id }), 401, 1000);
    const got = token.strict().parse(await ctx.sdk(rolled).user.tokens.get(own.id));
    expect(got).toMatchObject({ id: own.id, status: "active" });
  });

  it("keeps each owner's tokens apart: each verify refuses the other's token, and neither API reaches the other's", async () => {
    const account_id = ctx.emu.accountId;
    const user = await userToken(["API Tokens Write"]);
    const account = await scopedToken(ctx.emu, ["Account API Tokens Write"]);
    await expectApiError(ctx.sdk(user).accounts.tokens.verify({ account_id }), 401, 1000);
    await expectApiError(ctx.sdk(account).user.tokens.verify(), 401, 1000);
    const userId = tokenVerify.parse(await ctx.sdk(user).user.tokens.verify()).id;
    const accountId = tokenVerify.parse(await ctx.sdk(account).accounts.tokens.verify({ account_id })).id;
    await expectApiError(ctx.sdk().accounts.tokens.value.update(userId, { account_id }), 404, 10007);
    await expectApiError(ctx.sdk(user).user.tokens.value.update(accountId), 404, 10007);
    const listed = [];
    for await (const t of ctx.sdk().user.tokens.list()) listed.push(token.parse(t).id);
    expect(listed).toEqual([userId]);
  });

  it("needs API Tokens Write on the user to roll: a token without it is refused 403 and keeps its value", async () => {
    const reader = await userToken(["API Tokens Read"]);
    const own = tokenVerify.parse(await ctx.sdk(reader).user.tokens.verify());
    await expectApiError(ctx.sdk(reader).user.tokens.value.update(own.id, { maxRetries: 0 }), 403, 10000);
    expect(tokenVerify.parse(await ctx.sdk(reader).user.tokens.verify()).id).toBe(own.id);
    const groups = z
      .array(permissionGroup)
      .parse((await ctx.sdk(reader).user.tokens.permissionGroups.list()).getPaginatedItems());
    expect(groups.map((g) => g.name)).toEqual(expect.arrayContaining(["API Tokens Write", "Stream Write"]));
  });
});
