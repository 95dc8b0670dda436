import { describe, expect, it } from "vitest";
import * as z from "zod";
import { sfuApp, sfuAppWithSecret, turnKey, turnKeyWithKey } from "#contracts/cloudflare/calls.ts";
import { scopedToken } from "#emulator/testing.ts";
import { conformanceSuite, expectApiError } from "./harness.ts";

const ctx = conformanceSuite();

const CRUD_STATUSES = ["POST 201", "GET 200", "GET 200", "PUT 200", "DELETE 200", "GET 404"];

describe("Realtime SFU apps and TURN keys through the official SDK", () => {
  it("SFU apps: create (secret once), list, get, update, delete; raw responses match the OpenAPI subset", async () => {
    const cf = ctx.sdk();
    const account_id = ctx.emu.accountId;
    const created = sfuAppWithSecret.parse(await cf.calls.sfu.create({ account_id, name: "prod" }));
    const listed = [];
    for await (const app of cf.calls.sfu.list({ account_id }))
      listed.push(z.strictObject(sfuApp.shape).parse(app));
    expect(listed.map((a) => a.uid)).toEqual([created.uid]);
    expect(z.strictObject(sfuApp.shape).parse(await cf.calls.sfu.get(created.uid, { account_id })).name).toBe(
      "prod",
    );
    const updated = z
      .strictObject(sfuApp.shape)
      .parse(await cf.calls.sfu.update(created.uid, { account_id, name: "next" }));
    expect(updated.name).toBe("next");
    const deleted = z
      .strictObject(sfuApp.shape)
      .parse(await cf.calls.sfu.delete(created.uid, { account_id }));
    expect(deleted.uid).toBe(created.uid);
    await expectApiError(cf.calls.sfu.get(created.uid, { account_id }), 404, 10007);
    expect(ctx.covered().map((e) => `${e.method} ${e.status}`)).toEqual(CRUD_STATUSES);
  });

  it("TURN keys: create (key once), list, get, update, delete; raw responses match the OpenAPI subset", async () => {
    const cf = ctx.sdk();
    const account_id = ctx.emu.accountId;
    const created = turnKeyWithKey.parse(await cf.calls.turn.create({ account_id, name: "slot-a" }));
    const listed = [];
    for await (const key of cf.calls.turn.list({ account_id }))
      listed.push(z.strictObject(turnKey.shape).parse(key));
    expect(listed.map((k) => k.uid)).toEqual([created.uid]);
    expect(
      z.strictObject(turnKey.shape).parse(await cf.calls.turn.get(created.uid, { account_id })).name,
    ).toBe("slot-a");
    const updated = z
      .strictObject(turnKey.shape)
      .parse(await cf.calls.turn.update(created.uid, { account_id, name: "slot-b" }));
    expect(updated.name).toBe("slot-b");
    const deleted = z
      .strictObject(turnKey.shape)
      .parse(await cf.calls.turn.delete(created.uid, { account_id }));
    expect(deleted.uid).toBe(created.uid);
    await expectApiError(cf.calls.turn.get(created.uid, { account_id }), 404, 10007);
    expect(ctx.covered().map((e) => `${e.method} ${e.status}`)).toEqual(CRUD_STATUSES);
  });

  it("surfaces 403 as Cloudflare.APIError for a token without Calls Write", async () => {
    const reader = ctx.sdk(await scopedToken(ctx.emu, ["Calls Read"]));
    const account_id = ctx.emu.accountId;
    expect((await reader.calls.turn.list({ account_id })).getPaginatedItems()).toEqual([]);
    await expectApiError(reader.calls.sfu.create({ account_id }), 403, 10000);
    await expectApiError(reader.calls.turn.create({ account_id }), 403, 10000);
  });
});
