import type Cloudflare from "cloudflare";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { permissionGroup, token, tokenVerify, tokenWithValue } from "#contracts/cloudflare/tokens.ts";
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

  it("surfaces 403 as Cloudflare.APIError for a token without Account API Tokens Write", async () => {
    const reader = ctx.sdk(await scopedToken(ctx.emu, ["Account API Tokens Read"]));
    const account_id = ctx.emu.accountId;
    expect((await reader.accounts.tokens.list({ account_id })).getPaginatedItems()).toHaveLength(1);
    await expectApiError(reader.accounts.tokens.create({ account_id, name: "x", policies: [] }), 403, 10000);
  });
});
