import { describe, expect, it } from "vitest";
import * as z from "zod";
import { cfFailure, cfResultInfo, cfSuccess } from "#contracts/cloudflare/envelope.ts";
import { permissionGroup, token, tokenVerify, tokenWithValue } from "#contracts/cloudflare/tokens.ts";
import { permissionGroupId as groupId } from "../../account-token.ts";
import { expectHiddenFromAdmin, jsonInit, scopedToken, useEmulator } from "../../testing.ts";

const ctx = useEmulator();

const policy = (permissions: string[], effect: "allow" | "deny" = "allow") => ({
  effect,
  resources: { [`com.cloudflare.api.account.${ctx.emu.accountId}`]: "*" },
  permission_groups: permissions.map((name) => ({ id: groupId(name) })),
});

async function createToken(body: Record<string, unknown>) {
  const res = await ctx.api(
    "/tokens",
    jsonInit("POST", { name: "t", policies: [policy(["Stream Read"])], ...body }),
  );
  expect(res.status).toBe(200);
  return cfSuccess(tokenWithValue).parse(await res.json()).result;
}

const liveInputs = (value: string, init: RequestInit = {}) => ctx.api("/stream/live_inputs", init, value);

describe("account API tokens", () => {
  it("creates with the value once; get, list, update and delete never show it", async () => {
    const created = await createToken({ name: "worker", expires_on: "2099-01-01T00:00:00Z" });
    expect(created).toMatchObject({ name: "worker", status: "active", last_used_on: null });
    expect(created.policies[0]?.permission_groups[0]).toEqual({
      id: groupId("Stream Read"),
      name: "Stream Read",
    });
    expect(created.policies[0]?.id).toMatch(/^[0-9a-f]{32}$/);

    const got = cfSuccess(token.strict()).parse(await (await ctx.api(`/tokens/${created.id}`)).json()).result;
    expect(got.expires_on).toBe("2099-01-01T00:00:00Z");

    const listed = cfSuccess(z.array(token.strict())).parse(await (await ctx.api("/tokens")).json()).result;
    expect(listed.map((t) => t.id)).toEqual([created.id]);

    const updated = await ctx.api(
      `/tokens/${created.id}`,
      jsonInit("PUT", { name: "renamed", policies: [policy(["Stream Write"])], status: "active" }),
    );
    const after = cfSuccess(token.strict()).parse(await updated.json()).result;
    expect(after).toMatchObject({ name: "renamed", status: "active" });
    expect(after.expires_on).toBeUndefined();
    expect((await liveInputs(created.value, { method: "POST" })).status).toBe(200);

    const deleted = await ctx.api(`/tokens/${created.id}`, { method: "DELETE" });
    expect(cfSuccess(z.object({ id: z.string() }).strict()).parse(await deleted.json()).result.id).toBe(
      created.id,
    );
    expect((await liveInputs(created.value)).status).toBe(401);
    expect((await ctx.api(`/tokens/${created.id}`)).status).toBe(404);
    await expectHiddenFromAdmin(ctx.admin, [created.value]);
  });

  it("enforces what a created token holds: Stream Read reads live inputs, cannot create them", async () => {
    const reader = await scopedToken(ctx.emu, ["Stream Read"]);
    expect((await liveInputs(reader)).status).toBe(200);
    const refused = await liveInputs(reader, { method: "POST" });
    expect(refused.status).toBe(403);
    expect(cfFailure.parse(await refused.json()).errors[0]).toMatchObject({
      code: 10000,
      message: "Forbidden",
    });

    const denied = await createToken({
      policies: [policy(["Stream Write"]), policy(["Stream Read"], "deny")],
    });
    expect((await liveInputs(denied.value)).status).toBe(403);

    const otherAccount = await createToken({
      policies: [{ ...policy(["Stream Read"]), resources: { "com.cloudflare.api.account.0123": "*" } }],
    });
    expect((await liveInputs(otherAccount.value)).status).toBe(403);
  });

  it("disabling a token stops it; re-enabling restores it", async () => {
    const created = await createToken({});
    const put = (status: string) =>
      ctx.api(
        `/tokens/${created.id}`,
        jsonInit("PUT", { name: "t", policies: [policy(["Stream Read"])], status }),
      );
    expect((await put("disabled")).status).toBe(200);
    expect((await liveInputs(created.value)).status).toBe(401);
    expect((await put("active")).status).toBe(200);
    expect((await liveInputs(created.value)).status).toBe(200);
  });

  it("rolls the value: the new one works at once and the old one stops", async () => {
    const created = await createToken({});
    const rolled = await ctx.api(`/tokens/${created.id}/value`, jsonInit("PUT", {}));
    const value = cfSuccess(z.string().min(40).max(80)).parse(await rolled.json()).result;
    expect(value).not.toBe(created.value);
    expect((await liveInputs(created.value)).status).toBe(401);
    expect((await liveInputs(value)).status).toBe(200);
    const again = cfSuccess(token).parse(await (await ctx.api(`/tokens/${created.id}`)).json()).result;
    expect(again.status).toBe("active");
    await expectHiddenFromAdmin(ctx.admin, [created.value, value]);
  });

  it("verifies any valid token without a permission and refuses invalid ones", async () => {
    const created = await createToken({ not_before: "2020-01-01T00:00:00Z" });
    const res = await ctx.api("/tokens/verify", {}, created.value);
    const body = cfSuccess(tokenVerify.strict()).parse(await res.json());
    expect(body.result).toEqual({ id: created.id, status: "active", not_before: "2020-01-01T00:00:00Z" });
    expect(body.messages).toEqual([{ code: 10000, message: "This API Token is valid and active" }]);
    expect((await ctx.api("/tokens/verify")).status).toBe(200);
    expect((await ctx.api("/tokens/verify", {}, "y".repeat(40))).status).toBe(401);
  });

  it("treats expired and not-yet-valid tokens as unusable and hides expired ones from the list by default", async () => {
    const expired = await createToken({ expires_on: "2020-01-01T00:00:00Z" });
    const early = await createToken({ not_before: "2099-01-01T00:00:00Z" });
    expect((await liveInputs(expired.value)).status).toBe(401);
    expect((await liveInputs(early.value)).status).toBe(401);
    const got = cfSuccess(token).parse(await (await ctx.api(`/tokens/${expired.id}`)).json()).result;
    expect(got.status).toBe("expired");
    const ids = async (query: string) =>
      cfSuccess(z.array(token))
        .parse(await (await ctx.api(`/tokens${query}`)).json())
        .result.map((t) => t.id);
    expect(await ids("")).toEqual([early.id]);
    expect(await ids("?include_expired=true")).toEqual([expired.id, early.id]);
  });

  it("pages the list with result_info and orders it by direction", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await createToken({ name: `t${i}` })).id);
    const page = async (query: string) => {
      const body = z.object({ ...cfSuccess(z.array(token)).shape, result_info: cfResultInfo });
      return body.parse(await (await ctx.api(`/tokens?${query}`)).json());
    };
    const second = await page("page=2&per_page=5");
    expect(second.result.map((t) => t.id)).toEqual(ids.slice(5));
    expect(second.result_info).toEqual({ page: 2, per_page: 5, count: 2, total_count: 7, total_pages: 2 });
    expect((await page("per_page=5&direction=desc")).result.map((t) => t.id)).toEqual(
      ids.reverse().slice(0, 5),
    );
    expect((await page("page=3&per_page=5")).result).toEqual([]);

    const bad = await ctx.api("/tokens?per_page=1000");
    expect(bad.status).toBe(400);
    expect(cfFailure.parse(await bad.json()).errors[0]?.message).toContain("per_page");
  });

  it("lists permission groups, filtered by name and scope", async () => {
    const groups = async (query = "") =>
      cfSuccess(z.array(permissionGroup)).parse(
        await (await ctx.api(`/tokens/permission_groups${query}`)).json(),
      ).result;
    const all = await groups();
    expect(all.map((g) => g.name)).toEqual(
      expect.arrayContaining([
        "Stream Read",
        "Calls Write",
        "Account API Tokens Write",
        "Notifications Read",
      ]),
    );
    const streamRead = await groups(`?name=${encodeURIComponent("Stream Read")}`);
    expect(streamRead).toEqual([
      expect.objectContaining({ id: groupId("Stream Read"), name: "Stream Read" }),
    ]);
    expect(await groups("?scope=com.cloudflare.api.account")).toHaveLength(all.length);
    expect(await groups("?scope=com.cloudflare.api.user")).toEqual([]);
  });

  it("answers bad bodies with field errors, malformed JSON with 6007, and creates nothing", async () => {
    const unknownGroup = await ctx.api(
      "/tokens",
      jsonInit("POST", {
        name: "t",
        policies: [
          { ...policy(["Stream Read"]), permission_groups: [{ id: groupId("Stream Read") }, { id: "f00" }] },
        ],
      }),
    );
    expect(unknownGroup.status).toBe(400);
    expect(cfFailure.parse(await unknownGroup.json()).errors).toEqual([
      expect.objectContaining({ code: 10021, source: { pointer: "/policies/0/permission_groups/1/id" } }),
    ]);

    for (const body of [{ policies: [policy(["Stream Read"])] }, { name: "t", policies: [] }]) {
      const res = await ctx.api("/tokens", jsonInit("POST", body));
      expect(res.status).toBe(400);
      expect(cfFailure.parse(await res.json()).errors[0]?.code).toBe(10021);
    }
    const badDate = await ctx.api(
      "/tokens",
      jsonInit("POST", { name: "t", policies: [policy(["Stream Read"])], expires_on: "soon" }),
    );
    expect(cfFailure.parse(await badDate.json()).errors[0]?.message).toContain("expires_on");

    const malformed = await ctx.api("/tokens", { method: "POST", body: "{" });
    expect(malformed.status).toBe(400);
    expect(cfFailure.parse(await malformed.json()).errors[0]?.code).toBe(6007);

    const created = await createToken({ name: "before" });
    const badUpdate = await ctx.api(
      `/tokens/${created.id}`,
      jsonInit("PUT", { name: "after", policies: [], status: "x" }),
    );
    expect(badUpdate.status).toBe(400);
    const list = cfSuccess(z.array(token)).parse(await (await ctx.api("/tokens")).json()).result;
    expect(list.map((t) => t.name)).toEqual(["before"]);
  });

  it("answers 404 for unknown ids and never exposes the emulator's admin token", async () => {
    const adminId = cfSuccess(tokenVerify).parse(await (await ctx.api("/tokens/verify")).json()).result.id;
    for (const id of ["0".repeat(32), "constructor", adminId]) {
      for (const [path, init] of [
        [`/tokens/${id}`, {}],
        [`/tokens/${id}`, { method: "DELETE" }],
        [`/tokens/${id}/value`, jsonInit("PUT", {})],
      ] as const) {
        const res = await ctx.api(path, init);
        expect(res.status).toBe(404);
        expect(cfFailure.parse(await res.json()).errors[0]?.code).toBe(10007);
      }
    }
  });

  it("needs Account API Tokens Read to read and Write to change", async () => {
    const created = await createToken({});
    const reader = await scopedToken(ctx.emu, ["Account API Tokens Read"]);
    expect((await ctx.api("/tokens", {}, reader)).status).toBe(200);
    expect((await ctx.api(`/tokens/${created.id}`, {}, reader)).status).toBe(200);
    expect((await ctx.api("/tokens/permission_groups", {}, reader)).status).toBe(200);
    for (const [path, init] of [
      ["/tokens", jsonInit("POST", { name: "t", policies: [policy(["Stream Read"])] })],
      [`/tokens/${created.id}`, { method: "DELETE" }],
      [`/tokens/${created.id}/value`, jsonInit("PUT", {})],
    ] as const) {
      const res = await ctx.api(path, init, reader);
      expect(res.status).toBe(403);
      expect(cfFailure.parse(await res.json()).errors[0]?.code).toBe(10000);
    }
    const streamOnly = await scopedToken(ctx.emu, ["Stream Write"]);
    expect((await ctx.api("/tokens", {}, streamOnly)).status).toBe(403);
    expect((await ctx.api("/tokens/verify", {}, streamOnly)).status).toBe(200);
  });
});
