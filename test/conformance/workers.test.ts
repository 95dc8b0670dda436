import { describe, expect, it } from "vitest";
import {
  workerDomain,
  workerRoute,
  workerSchedules,
  workerScript,
  workerScriptLevelSettings,
  workerScriptSettings,
  workerScriptSubdomain,
  workerScriptUpload,
  workerSecret,
  workersAccountSubdomain,
} from "#contracts/cloudflare/workers.ts";
import { scopedToken } from "#emulator/testing.ts";
import { conformanceSuite, expectApiError } from "./harness.ts";
import { jsonPart, moduleFile, uploadScript } from "./workers-upload.ts";

const ctx = conformanceSuite();

const SOURCE = `import { DurableObject } from "cloudflare:workers";
export class Room extends DurableObject { async fetch() { return new Response("room"); } }
export default { async fetch(request, env) { return new Response(env.STACK); }, async scheduled() {} };
`;
const workerFile = () => moduleFile("worker.js", SOURCE);

const METADATA = {
  main_module: "worker.js",
  compatibility_date: "2026-08-01",
  bindings: [
    { type: "plain_text", name: "STACK", text: "dev" },
    { type: "durable_object_namespace", name: "ROOMS", class_name: "Room" },
  ],
  migrations: { new_tag: "v1", new_sqlite_classes: ["Room"] },
};

const uploadWorker = async (name: string, metadata: unknown = METADATA) =>
  workerScriptUpload.parse(await uploadScript(ctx, name, metadata, [workerFile()]));

describe("Workers scripts through the official SDK", () => {
  it("uploads, lists, downloads and deletes a script", async () => {
    const cf = ctx.sdk();
    const account_id = ctx.emu.accountId;
    const uploaded = await uploadWorker("edge");
    expect(uploaded).toMatchObject({ id: "edge", handlers: ["fetch", "scheduled"], migration_tag: "v1" });

    const listed = [];
    for await (const script of cf.workers.scripts.list({ account_id }))
      listed.push(workerScript.parse(script));
    expect(listed.map((s) => s.id)).toEqual(["edge"]);
    expect(await cf.workers.scripts.get("edge", { account_id })).toBe(SOURCE);
    expect(await (await cf.workers.scripts.content.get("edge", { account_id })).text()).toBe(SOURCE);

    await cf.workers.scripts.delete("edge", { account_id });
    await expectApiError(cf.workers.scripts.get("edge", { account_id }), 404, 10007);
  });

  it("refuses what Cloudflare refuses: the SDK's default encoding, a stale migration tag, a reader's write", async () => {
    const account_id = ctx.emu.accountId;
    const naive = ctx.sdk().workers.scripts.update("edge", {
      account_id,
      metadata: { main_module: "worker.js" },
      files: [workerFile()],
    });
    await expectApiError(naive, 400, 10021);

    await uploadWorker("edge");
    await expectApiError(uploadWorker("edge"), 400, 10079);

    const reader = ctx.sdk(await scopedToken(ctx.emu, ["Workers Scripts Read"]));
    expect((await reader.workers.scripts.list({ account_id })).getPaginatedItems()).toHaveLength(1);
    await expectApiError(reader.workers.scripts.delete("edge", { account_id }), 403, 10000);
    await expectApiError(reader.workers.subdomains.update({ account_id, subdomain: "x" }), 403, 10000);
    await expectApiError(ctx.sdk().workers.scripts.settings.get("nope", { account_id }), 404, 10007);
  });

  it("reads and edits settings; secrets show as name and type only", async () => {
    const cf = ctx.sdk();
    const account_id = ctx.emu.accountId;
    await uploadWorker("edge", {
      ...METADATA,
      bindings: [
        ...METADATA.bindings,
        { type: "secret_text", name: "SIGNING_SECRET", text: "conformance-secret" },
      ],
    });
    const settings = workerScriptSettings.parse(
      await cf.workers.scripts.scriptAndVersionSettings.get("edge", { account_id }),
    );
    expect(settings.bindings).toContainEqual({ type: "secret_text", name: "SIGNING_SECRET" });

    const edited = workerScriptSettings.parse(
      await cf.workers.scripts.scriptAndVersionSettings.edit("edge", {
        account_id,
        settings: jsonPart("settings.json", {
          compatibility_flags: ["nodejs_compat"],
          bindings: [
            { type: "inherit", name: "SIGNING_SECRET" },
            { type: "durable_object_namespace", name: "ROOMS", class_name: "Room" },
          ],
        }),
      }),
    );
    expect(edited.compatibility_flags).toEqual(["nodejs_compat"]);
    expect(edited.bindings.map((b) => b.name)).toEqual(["SIGNING_SECRET", "ROOMS"]);

    const level = workerScriptLevelSettings.parse(
      await cf.workers.scripts.settings.edit("edge", { account_id, logpush: true, tags: ["stack:dev"] }),
    );
    expect(level).toMatchObject({ logpush: true, tags: ["stack:dev"] });
    expect(
      workerScriptLevelSettings.parse(await cf.workers.scripts.settings.get("edge", { account_id })),
    ).toEqual(level);
    expect(JSON.stringify(ctx.exchanges.map((e) => e.body))).not.toContain("conformance-secret");
  });

  it("puts, lists, gets and deletes secrets", async () => {
    const cf = ctx.sdk();
    const account_id = ctx.emu.accountId;
    await uploadWorker("edge");
    const value = `secret-${crypto.randomUUID()}`;
    const put = await cf.workers.scripts.secrets.update("edge", {
      account_id,
      name: "TURN_KEY_SECRET",
      text: value,
      type: "secret_text",
    });
    expect(workerSecret.strict().parse(put)).toEqual({ name: "TURN_KEY_SECRET", type: "secret_text" });
    const listed = (await cf.workers.scripts.secrets.list("edge", { account_id })).getPaginatedItems();
    expect(listed.map((s) => workerSecret.strict().parse(s))).toEqual([put]);
    const got = await cf.workers.scripts.secrets.get("TURN_KEY_SECRET", { account_id, script_name: "edge" });
    expect(workerSecret.strict().parse(got)).toEqual(put);
    expect(ctx.emu.stores.workers.readScript("edge")!.bindings).toContainEqual({
      type: "secret_text",
      name: "TURN_KEY_SECRET",
      text: value,
    });

    await cf.workers.scripts.secrets.delete("TURN_KEY_SECRET", { account_id, script_name: "edge" });
    await expectApiError(
      cf.workers.scripts.secrets.get("TURN_KEY_SECRET", { account_id, script_name: "edge" }),
      404,
      10007,
    );
    expect(JSON.stringify(ctx.exchanges.map((e) => e.body))).not.toContain(value);
  });

  it("sets cron triggers and the workers.dev subdomains", async () => {
    const cf = ctx.sdk();
    const account_id = ctx.emu.accountId;
    await uploadWorker("edge");
    const schedules = workerSchedules.parse(
      await cf.workers.scripts.schedules.update("edge", { account_id, body: [{ cron: "*/1 * * * *" }] }),
    );
    expect(schedules.schedules.map((s) => s.cron)).toEqual(["*/1 * * * *"]);
    expect(workerSchedules.parse(await cf.workers.scripts.schedules.get("edge", { account_id }))).toEqual(
      schedules,
    );

    const enabled = await cf.workers.scripts.subdomain.create("edge", {
      account_id,
      enabled: true,
      previews_enabled: false,
    });
    expect(workerScriptSubdomain.strict().parse(enabled)).toEqual({ enabled: true, previews_enabled: false });
    expect(await cf.workers.scripts.subdomain.get("edge", { account_id })).toEqual(enabled);
    expect(
      workerScriptSubdomain.parse(await cf.workers.scripts.subdomain.delete("edge", { account_id })),
    ).toEqual({ enabled: false, previews_enabled: false });

    const account = await cf.workers.subdomains.update({ account_id, subdomain: "acme-dev" });
    expect(workersAccountSubdomain.strict().parse(account)).toEqual({ subdomain: "acme-dev" });
    expect(await cf.workers.subdomains.get({ account_id })).toEqual(account);
  });

  it("answered every call on an OpenAPI-covered path with a body the subset accepts", async () => {
    await uploadWorker("edge");
    const account_id = ctx.emu.accountId;
    const cf = ctx.sdk();
    await cf.workers.scripts.list({ account_id });
    await cf.workers.scripts.get("edge", { account_id });
    await cf.workers.scripts.scriptAndVersionSettings.get("edge", { account_id });
    await cf.workers.scripts.settings.get("edge", { account_id });
    await cf.workers.subdomains.get({ account_id });
    await expectApiError(cf.workers.scripts.scriptAndVersionSettings.get("nope", { account_id }), 404, 10007);
    await cf.workers.scripts.delete("edge", { account_id });
    expect(ctx.covered().map((e) => `${e.method} ${e.status}`)).toEqual([
      "PUT 200",
      "GET 200",
      "GET 200",
      "GET 200",
      "GET 200",
      "GET 200",
      "GET 404",
      "DELETE 200",
    ]);
  });
});

describe("Worker routes and custom domains through the official SDK", () => {
  const zone_id = "fedcba9876543210fedcba9876543210";

  it("zone routes: create, list, get, update, delete, then 404", async () => {
    const cf = ctx.sdk();
    await uploadWorker("edge");
    const created = workerRoute
      .strict()
      .parse(await cf.workers.routes.create({ zone_id, pattern: "rt.example.com/*", script: "edge" }));
    const listed = [];
    for await (const r of cf.workers.routes.list({ zone_id })) listed.push(workerRoute.strict().parse(r));
    expect(listed).toEqual([created]);
    expect(await cf.workers.routes.get(created.id, { zone_id })).toEqual(created);
    const updated = await cf.workers.routes.update(created.id, {
      zone_id,
      pattern: "live.example.com/*",
      script: "edge",
    });
    expect(updated).toEqual({ ...created, pattern: "live.example.com/*" });
    expect(await cf.workers.routes.delete(created.id, { zone_id })).toEqual({ id: created.id });
    await expectApiError(cf.workers.routes.get(created.id, { zone_id }), 404, 10007);
    await expectApiError(cf.workers.routes.get(created.id, { zone_id: "0".repeat(32) }), 404, 10007);
  });

  it("account domains: PUT attaches (and re-points), list, get, delete; an unknown Worker is refused", async () => {
    const cf = ctx.sdk();
    const account_id = ctx.emu.accountId;
    await uploadWorker("edge");
    await uploadWorker("next");
    const attached = workerDomain
      .strict()
      .parse(
        await cf.workers.domains.update({ account_id, hostname: "rt.example.com", service: "edge", zone_id }),
      );
    expect(attached).toMatchObject({
      hostname: "rt.example.com",
      service: "edge",
      zone_id,
      zone_name: "example.com",
    });
    const repointed = await cf.workers.domains.update({
      account_id,
      hostname: "rt.example.com",
      service: "next",
      zone_id,
    });
    expect(repointed).toEqual({ ...attached, service: "next" });
    const listed = [];
    for await (const d of cf.workers.domains.list({ account_id })) listed.push(d);
    expect(listed).toEqual([repointed]);
    expect(await cf.workers.domains.get(attached.id, { account_id })).toEqual(repointed);
    await cf.workers.domains.delete(attached.id, { account_id });
    await expectApiError(cf.workers.domains.get(attached.id, { account_id }), 404, 10007);
    await expectApiError(
      cf.workers.domains.update({ account_id, hostname: "x.example.com", service: "missing", zone_id }),
      404,
      10007,
    );
  });
});
