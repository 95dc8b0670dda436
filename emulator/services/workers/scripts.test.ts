import { describe, expect, it } from "vitest";
import * as z from "zod";
import { cfSuccess } from "#contracts/cloudflare/envelope.ts";
import { workerScript, workerScriptSettings } from "#contracts/cloudflare/workers.ts";
import { startEmulator } from "../../server.ts";
import { scopedToken } from "../../testing.ts";
import { SCRIPT_BYTES } from "./limits.ts";
import { errorCodes, uploadForm, useWorkersEmulator, WORKER_SOURCE } from "./test-support.ts";

const { ctx, api, upload, deploy } = useWorkersEmulator();
const ROOM_MIGRATION = { new_tag: "v1", new_sqlite_classes: ["Room"] };
const settings = async (name: string) =>
  cfSuccess(workerScriptSettings).parse(await (await api(`/scripts/${name}/settings`)).json()).result;

describe("workers script upload", () => {
  it("deploys a real ES module with its metadata and answers in Cloudflare's shape", async () => {
    const result = await deploy("edge-api", {
      compatibility_flags: ["nodejs_compat"],
      bindings: [
        { type: "plain_text", name: "GREETING", text: "hi" },
        { type: "durable_object_namespace", name: "ROOMS", class_name: "Room" },
      ],
      migrations: ROOM_MIGRATION,
    });
    expect(result).toMatchObject({
      id: "edge-api",
      handlers: ["fetch", "scheduled"],
      named_handlers: [{ name: "Room", handlers: ["alarm", "fetch"] }],
      compatibility_date: "2026-08-01",
      compatibility_flags: ["nodejs_compat"],
      has_modules: true,
      migration_tag: "v1",
      usage_model: "standard",
      entry_point: "worker.js",
      exports: { Room: { type: "durable-object", storage: "sqlite" } },
    });
    expect(result.etag).toMatch(/^[0-9a-f]{64}$/);

    const list = cfSuccess(workerScript.array()).parse(await (await api("/scripts")).json()).result;
    expect(list.map((s) => s.id)).toEqual(["edge-api"]);

    const content = await api("/scripts/edge-api");
    expect(content.headers.get("content-type")).toBe("application/javascript+module");
    expect(await content.text()).toBe(WORKER_SOURCE);
  });

  it("serves several modules as multipart with the entry module first", async () => {
    const res = await upload("multi", { main_module: "index.js" }, [
      { name: "lib.js", content: "export const x = 1;" },
      { name: "index.js", content: 'import { x } from "./lib.js"; export default { fetch() {} };' },
    ]);
    expect(res.status).toBe(200);
    const content = await api("/scripts/multi/content/v2");
    expect(content.headers.get("content-type")).toMatch(/^multipart\/form-data; boundary=/);
    const form = await content.formData();
    const names: string[] = [];
    form.forEach((_value, key) => {
      names.push(key);
    });
    expect(names).toEqual(["index.js", "lib.js"]);
    expect(await (form.get("lib.js") as File).text()).toBe("export const x = 1;");
  });

  it("keeps the module bytes and every binding, secrets included, for the local engine", async () => {
    const wasm = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);
    await upload(
      "engine-view",
      {
        main_module: "worker.js",
        bindings: [{ type: "secret_text", name: "API_KEY", text: "value-for-engine" }],
      },
      [
        { name: "worker.js", content: "export default { fetch() {} };" },
        { name: "add.wasm", content: wasm, type: "application/wasm" },
      ],
    );
    const deployed = ctx.emu.stores.workers.readScript("engine-view")!;
    expect(deployed).toMatchObject({
      format: "modules",
      mainModule: "worker.js",
      compatibilityDate: "2021-11-02",
    });
    expect(deployed.modules.map((m) => [m.name, m.contentType])).toEqual([
      ["worker.js", "application/javascript+module"],
      ["add.wasm", "application/wasm"],
    ]);
    expect(deployed.modules[1]!.bytes).toEqual(wasm);
    expect(deployed.bindings).toEqual([{ type: "secret_text", name: "API_KEY", text: "value-for-engine" }]);
    expect(ctx.emu.stores.workers.readScript("constructor")).toBeUndefined();
  });

  it("keep_bindings carries secrets over a code upload; without it they are gone", async () => {
    await deploy("kept", { bindings: [{ type: "secret_text", name: "TOKEN", text: "first" }] });
    await deploy("kept", {
      bindings: [{ type: "plain_text", name: "MODE", text: "prod" }],
      keep_bindings: ["secret_text"],
    });
    expect((await settings("kept")).bindings).toEqual([
      { type: "plain_text", name: "MODE", text: "prod" },
      { type: "secret_text", name: "TOKEN" },
    ]);
    expect(ctx.emu.stores.workers.readScript("kept")!.bindings[1]).toMatchObject({ text: "first" });

    await deploy("kept", { bindings: [{ type: "plain_text", name: "MODE", text: "prod" }] });
    expect((await settings("kept")).bindings.map((b) => b.name)).toEqual(["MODE"]);
  });

  it("inherit copies a binding from the previous version, renamed if asked; strict mode refuses a miss", async () => {
    await deploy("inherits", { bindings: [{ type: "secret_text", name: "OLD", text: "carried" }] });
    await deploy("inherits", {
      bindings: [
        { type: "inherit", name: "NEW", old_name: "OLD" },
        { type: "inherit", name: "MISSING" },
      ],
    });
    expect(ctx.emu.stores.workers.readScript("inherits")!.bindings).toEqual([
      { type: "secret_text", name: "NEW", text: "carried" },
    ]);

    const strict = await upload(
      "inherits",
      { main_module: "worker.js", bindings: [{ type: "inherit", name: "MISSING" }] },
      [{ name: "worker.js", content: WORKER_SOURCE }],
      "?bindings_inherit=strict",
    );
    expect(strict.status).toBe(400);
    expect(await errorCodes(strict)).toEqual([10021]);
  });

  it("refuses two bindings with one name", async () => {
    const res = await upload(
      "dupes",
      {
        main_module: "worker.js",
        bindings: [
          { type: "plain_text", name: "A", text: "1" },
          { type: "json", name: "A", json: { x: 1 } },
        ],
      },
      [{ name: "worker.js", content: WORKER_SOURCE }],
    );
    expect(await errorCodes(res)).toEqual([10053]);
  });

  it("refuses a run_worker_first list Cloudflare would refuse, with 10021 naming the rule, and stores nothing", async () => {
    const res = await upload(
      "routed",
      { main_module: "worker.js", assets: { config: { run_worker_first: ["/api/*", "healthz"] } } },
      [{ name: "worker.js", content: WORKER_SOURCE }],
    );
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { code: number; message: string }[] };
    expect(body.errors).toEqual([
      {
        code: 10021,
        message: "Invalid routes in `run_worker_first`:\n'healthz': rules must start with '/' or '!/'",
      },
    ]);
    expect((await api("/scripts/routed")).status).toBe(404);
  });

  it("deletes a script; an unknown one is Cloudflare's 404", async () => {
    await deploy("short-lived");
    const deleted = await api("/scripts/short-lived", { method: "DELETE" });
    expect(cfSuccess(z.null()).parse(await deleted.json()).result).toBeNull();
    for (const path of ["/scripts/short-lived", "/scripts/short-lived/settings", "/scripts/nope/secrets"]) {
      const res = await api(path);
      expect(res.status).toBe(404);
      expect(await errorCodes(res)).toEqual([10007]);
    }
    expect((await api("/scripts/nope", { method: "DELETE" })).status).toBe(404);
  });
});

describe("durable object migrations", () => {
  it("moves the migration tag forward and refuses an old_tag that does not match", async () => {
    await deploy("rooms", {
      bindings: [{ type: "durable_object_namespace", name: "ROOMS", class_name: "Room" }],
      migrations: ROOM_MIGRATION,
    });
    const replayed = await upload("rooms", { main_module: "worker.js", migrations: ROOM_MIGRATION }, [
      { name: "worker.js", content: WORKER_SOURCE },
    ]);
    expect(replayed.status).toBe(400);
    const body = await replayed.json();
    expect(body.errors).toEqual([
      { code: 10079, message: "Migration tag precondition failed; current tag is 'v1'" },
    ]);

    const renamed = await deploy("rooms", {
      bindings: [{ type: "durable_object_namespace", name: "ROOMS", class_name: "Lobby" }],
      migrations: { old_tag: "v1", new_tag: "v2", renamed_classes: [{ from: "Room", to: "Lobby" }] },
    });
    expect(renamed.migration_tag).toBe("v2");
    expect(renamed.exports).toEqual({ Lobby: { type: "durable-object", storage: "sqlite" } });

    const deleted = await deploy("rooms", {
      migrations: { old_tag: "v2", new_tag: "v3", steps: [{ deleted_classes: ["Lobby"] }] },
    });
    expect(deleted.exports).toBeUndefined();
  });

  it("refuses a binding to a class no migration created, and creating a class twice", async () => {
    const unmigrated = await upload(
      "rooms",
      {
        main_module: "worker.js",
        bindings: [{ type: "durable_object_namespace", name: "ROOMS", class_name: "Room" }],
      },
      [{ name: "worker.js", content: WORKER_SOURCE }],
    );
    expect(await errorCodes(unmigrated)).toEqual([10061]);

    await deploy("rooms", { migrations: ROOM_MIGRATION });
    const twice = await upload(
      "rooms",
      { main_module: "worker.js", migrations: { old_tag: "v1", new_tag: "v2", new_classes: ["Room"] } },
      [{ name: "worker.js", content: WORKER_SOURCE }],
    );
    expect(await errorCodes(twice)).toEqual([10074]);
    expect((await deploy("rooms")).migration_tag).toBe("v1");
  });
});

describe("bad uploads change nothing", () => {
  const expectRefused = async (res: Response, status: number, code: number, message?: RegExp) => {
    expect(res.status).toBe(status);
    const body = await res.json();
    expect(body.errors[0].code).toBe(code);
    if (message) expect(body.errors[0].message).toMatch(message);
    expect(await (await api("/scripts")).json()).toMatchObject({ result: [] });
  };

  it("answers a body that is not multipart with 10001", async () => {
    const res = await api("/scripts/w", { method: "PUT", body: JSON.stringify({ main_module: "w.js" }) });
    await expectRefused(res, 400, 10001, /multipart\/form-data/);
  });

  it("answers a multipart body that cannot be read with 10006", async () => {
    const res = await api("/scripts/w", {
      method: "PUT",
      headers: { "content-type": "multipart/form-data; boundary=zzz" },
      body: new Blob(["--zzz\r\nno headers and no end"]),
    });
    await expectRefused(res, 400, 10006, /^Unparseable script body/);
  });

  it("answers metadata that is not JSON, or not valid, with 10021 naming the problem", async () => {
    const notJson = new FormData();
    notJson.append("metadata", "{main_module:");
    await expectRefused(
      await api("/scripts/w", { method: "PUT", body: notJson }),
      400,
      10021,
      /metadata part is not valid JSON/,
    );
    await expectRefused(
      await upload("w", { main_module: "worker.js", compatibility_date: "next tuesday" }, [
        { name: "worker.js", content: WORKER_SOURCE },
      ]),
      400,
      10021,
      /^metadata\.compatibility_date: /,
    );
    await expectRefused(
      await upload("w", { main_module: "worker.js", body_part: "worker.js" }, []),
      400,
      10021,
      /exactly one entry point/,
    );
  });

  it("does not read metadata sent as bracketed form fields, like Cloudflare", async () => {
    const bracketed = new FormData();
    bracketed.append("metadata[main_module]", "worker.js");
    bracketed.append(
      "files[]",
      new File([WORKER_SOURCE], "worker.js", { type: "application/javascript+module" }),
    );
    await expectRefused(
      await api("/scripts/w", { method: "PUT", body: bracketed }),
      400,
      10021,
      /could not read content for part metadata/,
    );
  });

  it("refuses a missing main module, a wrong module type and a syntax error", async () => {
    await expectRefused(
      await upload("w", { main_module: "worker.js" }, [{ name: "other.js", content: WORKER_SOURCE }]),
      400,
      10021,
      /main_module 'worker.js' is not among the uploaded modules \(other\.js\)/,
    );
    await expectRefused(
      await upload("w", { main_module: "worker.js" }, [
        { name: "worker.js", content: WORKER_SOURCE, type: "application/json" },
      ]),
      400,
      10021,
      /module worker.js has unsupported Content-Type application\/json/,
    );
    await expectRefused(
      await upload("w", { main_module: "worker.js" }, [
        { name: "worker.js", content: "export default { fetch() {\n  return new Response(;\n} };" },
      ]),
      400,
      10021,
      /^Uncaught SyntaxError: .*\n {2}at worker\.js:2:/,
    );
  });

  it("refuses a script name Cloudflare would not take", async () => {
    await expectRefused(
      await upload("Not_Valid", { main_module: "worker.js" }, [
        { name: "worker.js", content: WORKER_SOURCE },
      ]),
      400,
      10021,
      /^script_name: must match/,
    );
  });

  it("holds an upload to its own body limit, not the general one: 413 and 10027 only past it", async () => {
    // Its own emulator: the server stops reading at the limit, which leaves that connection unusable.
    const small = await startEmulator({ config: { bodyLimit: 64 * 1024 } });
    try {
      const scripts = `${small.apiBase}/accounts/${small.accountId}/workers/scripts`;
      const authorization = `Bearer ${small.adminToken}`;
      // Cloudflare takes Workers up to 64 MiB: an upload is not held to the general 64 KiB.
      const taken = await fetch(`${scripts}/w`, {
        method: "PUT",
        headers: { authorization },
        body: uploadForm({ main_module: "worker.js" }, [
          { name: "worker.js", content: `${WORKER_SOURCE}// ${"x".repeat(64 * 1024)}` },
        ]),
      });
      expect(taken.status).toBe(200);
      // Past the script limit and the room for the metadata: refused on its Content-Length, unread.
      const chunk = new Uint8Array(1024 * 1024);
      const tooLarge = await fetch(`${scripts}/big`, {
        method: "PUT",
        headers: { authorization, "content-type": "multipart/form-data; boundary=x" },
        body: new Blob(Array.from({ length: SCRIPT_BYTES / chunk.length + 2 }, () => chunk)),
      });
      expect(tooLarge.status).toBe(413);
      expect(await errorCodes(tooLarge)).toEqual([10027]);
      expect(Object.keys(small.core.state.document().scripts as object)).toEqual(["w"]);
    } finally {
      await small.close();
    }
  });

  it("takes a raw service-worker body, the legacy upload, and refuses a multipart body sent under its type", async () => {
    const raw = await api("/scripts/legacy", {
      method: "PUT",
      headers: { "content-type": "application/javascript" },
      body: 'addEventListener("fetch", (e) => e.respondWith(new Response("ok")));',
    });
    expect(cfSuccess(workerScript).parse(await raw.json()).result).toMatchObject({
      handlers: ["fetch"],
      has_modules: false,
    });
    const mislabelled = await api("/scripts/w", {
      method: "PUT",
      headers: { "content-type": "application/javascript" },
      body: '------formdata-undici-0123\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n{}',
    });
    expect(mislabelled.status).toBe(400);
    expect((await mislabelled.json()).errors[0].message).toMatch(
      /^Uncaught SyntaxError: .*\n {2}at worker\.js:1:/,
    );
  });

  it("requires Workers Scripts Write to upload and Read to look", async () => {
    await deploy("guarded");
    const reader = await scopedToken(ctx.emu, ["Workers Scripts Read"]);
    expect((await api("/scripts", {}, reader)).status).toBe(200);
    const write = await api("/scripts/guarded", { method: "DELETE" }, reader);
    expect(write.status).toBe(403);
    expect(await errorCodes(write)).toEqual([10000]);
    const streamOnly = await scopedToken(ctx.emu, ["Stream Read"]);
    expect((await api("/scripts/guarded/settings", {}, streamOnly)).status).toBe(403);
    expect((await api("/scripts")).status).toBe(200);
  });
});
