import { describe, expect, it } from "vitest";
import * as z from "zod";
import { sfuApp, sfuAppWithSecret, turnKey, turnKeyWithKey } from "#contracts/cloudflare/calls.ts";
import { cfFailure, cfSuccess } from "#contracts/cloudflare/envelope.ts";
import { expectHiddenFromAdmin, jsonInit, scopedToken, useEmulator } from "../../testing.ts";

const ctx = useEmulator();

const kinds = [
  { what: "SFU apps", path: "/calls/apps", secretField: "secret", item: sfuApp, created: sfuAppWithSecret },
  { what: "TURN keys", path: "/calls/turn_keys", secretField: "key", item: turnKey, created: turnKeyWithKey },
] as const;

describe.each(kinds)("$what", ({ path, secretField, item, created: createdSchema }) => {
  const create = async (name?: string) => {
    const res = await ctx.api(path, jsonInit("POST", name === undefined ? {} : { name }));
    expect(res.status).toBe(201);
    const result = cfSuccess(createdSchema).parse(await res.json()).result;
    return { ...result, secretValue: (result as Record<string, string>)[secretField]! };
  };

  it("creates with the secret once, then lists, gets, renames and deletes without it", async () => {
    const created = await create("prod");
    expect(created.uid).toMatch(/^[0-9a-f]{32}$/);
    expect(created.secretValue).toMatch(/^[0-9a-f]{64}$/);
    expect(created.name).toBe("prod");

    const listed = cfSuccess(z.array(z.strictObject(item.shape))).parse(
      await (await ctx.api(path)).json(),
    ).result;
    expect(listed.map((i) => i.uid)).toEqual([created.uid]);

    const got = cfSuccess(z.strictObject(item.shape)).parse(
      await (await ctx.api(`${path}/${created.uid}`)).json(),
    ).result;
    expect(got).toEqual({
      uid: created.uid,
      name: "prod",
      created: created.created,
      modified: created.modified,
    });

    const renamed = await ctx.api(`${path}/${created.uid}`, jsonInit("PUT", { name: "staging" }));
    expect(cfSuccess(z.strictObject(item.shape)).parse(await renamed.json()).result.name).toBe("staging");

    const deleted = await ctx.api(`${path}/${created.uid}`, { method: "DELETE" });
    expect(cfSuccess(z.strictObject(item.shape)).parse(await deleted.json()).result).toMatchObject({
      uid: created.uid,
      name: "staging",
    });
    expect((await ctx.api(`${path}/${created.uid}`)).status).toBe(404);
    await expectHiddenFromAdmin(ctx.admin, [created.secretValue]);
  });

  it("defaults the name to an empty string and keeps it when an update omits it", async () => {
    const created = await create();
    expect(created.name).toBe("");
    const kept = await ctx.api(`${path}/${created.uid}`, jsonInit("PUT", {}));
    expect(cfSuccess(item).parse(await kept.json()).result.name).toBe("");
  });

  it("answers bad bodies with field errors or 6007 and changes nothing", async () => {
    const wrongType = await ctx.api(path, jsonInit("POST", { name: 42 }));
    expect(wrongType.status).toBe(400);
    const error = cfFailure.parse(await wrongType.json()).errors[0]!;
    expect(error).toMatchObject({ code: 10021, source: { pointer: "/name" } });
    expect(error.message).toContain("name");

    const malformed = await ctx.api(path, { method: "POST", body: "{name:" });
    expect(malformed.status).toBe(400);
    expect(cfFailure.parse(await malformed.json()).errors[0]?.code).toBe(6007);

    const { uid } = await create("kept");
    const badRename = await ctx.api(`${path}/${uid}`, jsonInit("PUT", { name: "x".repeat(300) }));
    expect(badRename.status).toBe(400);
    const list = cfSuccess(z.array(item)).parse(await (await ctx.api(path)).json()).result;
    expect(list.map((i) => i.name)).toEqual(["kept"]);
  });

  it("answers 404 with code 10007 for unknown ids, prototype keys included", async () => {
    for (const id of ["0".repeat(32), "constructor", "__proto__"]) {
      for (const init of [{}, jsonInit("PUT", { name: "x" }), { method: "DELETE" }]) {
        const res = await ctx.api(`${path}/${id}`, init);
        expect(res.status).toBe(404);
        expect(cfFailure.parse(await res.json()).errors[0]?.code).toBe(10007);
      }
    }
  });

  it("needs Calls Read to read and Calls Write to change", async () => {
    const { uid } = await create();
    const reader = await scopedToken(ctx.emu, ["Calls Read"]);
    expect((await ctx.api(path, {}, reader)).status).toBe(200);
    expect((await ctx.api(`${path}/${uid}`, {}, reader)).status).toBe(200);
    for (const init of [jsonInit("POST", {}), jsonInit("PUT", {}), { method: "DELETE" }]) {
      const res = await ctx.api(init.method === "POST" ? path : `${path}/${uid}`, init, reader);
      expect(res.status).toBe(403);
      expect(cfFailure.parse(await res.json()).errors[0]?.code).toBe(10000);
    }
    const streamOnly = await scopedToken(ctx.emu, ["Stream Write"]);
    expect((await ctx.api(path, {}, streamOnly)).status).toBe(403);
    const writer = await scopedToken(ctx.emu, ["Calls Write"]);
    expect((await ctx.api(path, jsonInit("POST", {}), writer)).status).toBe(201);
    expect((await ctx.api(path, {}, writer)).status).toBe(200);
  });
});

it("keeps SFU apps and TURN keys apart", async () => {
  const app = cfSuccess(sfuAppWithSecret).parse(
    await (await ctx.api("/calls/apps", jsonInit("POST", {}))).json(),
  );
  expect((await ctx.api(`/calls/turn_keys/${app.result.uid}`)).status).toBe(404);
  const keys = cfSuccess(z.array(turnKey)).parse(await (await ctx.api("/calls/turn_keys")).json()).result;
  expect(keys).toEqual([]);
});
