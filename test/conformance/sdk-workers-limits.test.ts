import Cloudflare from "cloudflare";
import { describe, expect, it } from "vitest";
import { ENVIRONMENT_VARIABLE_BYTES, SCRIPT_BYTES } from "#emulator/services/workers/limits.ts";
import { conformanceSuite, expectApiError } from "./harness.ts";
import { jsonPart, moduleFile, uploadScript } from "./workers-upload.ts";

const ctx = conformanceSuite();

const SOURCE = `import { DurableObject } from "cloudflare:workers";
export class Room extends DurableObject {}
export default { async fetch() { return new Response("ok"); } };
`;
const worker = () => moduleFile("worker.js", SOURCE);
const metadata = (extra: Record<string, unknown> = {}) => ({
  main_module: "worker.js",
  compatibility_date: "2026-08-01",
  ...extra,
});

/** A binding of `type` named `name` whose name and value together take `bytes` bytes. */
function binding(type: "plain_text" | "json" | "secret_text", name: string, bytes: number) {
  if (type === "json") return { type, name, json: "j".repeat(bytes - name.length - 2) };
  return { type, name, text: "t".repeat(bytes - name.length) };
}
const plainTexts = (count: number) =>
  Array.from({ length: count }, (_, i) => binding("plain_text", `V${i}`, 8));

/** The SDK's error for a call that must fail, with Cloudflare's first error. */
async function refusal(call: Promise<unknown>) {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Cloudflare.APIError);
  const { status, errors } = error as InstanceType<typeof Cloudflare.APIError>;
  return { status, code: errors[0]?.code, message: errors[0]?.message ?? "" };
}

describe("Workers environment variables through the official SDK", () => {
  it("refuses a plain_text, json or secret_text binding over 5 KB, name and value together, and stores nothing", async () => {
    for (const type of ["plain_text", "json", "secret_text"] as const) {
      const over = binding(type, "TENANTS", ENVIRONMENT_VARIABLE_BYTES + 1);
      const refused = await refusal(uploadScript(ctx, type, metadata({ bindings: [over] }), [worker()]));
      expect(refused).toMatchObject({ status: 400, code: 10021 });
      expect(refused.message).toContain(`Binding 'TENANTS' (${type}) is 5121 bytes`);
      expect(ctx.emu.stores.workers.get(type)).toBeUndefined();
      const fits = binding(type, "TENANTS", ENVIRONMENT_VARIABLE_BYTES);
      await uploadScript(ctx, type, metadata({ bindings: [fits] }), [worker()]);
    }
  });

  it("refuses a secret over 5 KB through the secrets API, and an edit of settings over it", async () => {
    const cf = ctx.sdk();
    const account_id = ctx.emu.accountId;
    await uploadScript(ctx, "edge", metadata(), [worker()]);
    const text = "s".repeat(ENVIRONMENT_VARIABLE_BYTES + 1 - "SIGNING_SECRET".length);
    await expectApiError(
      cf.workers.scripts.secrets.update("edge", {
        account_id,
        name: "SIGNING_SECRET",
        text,
        type: "secret_text",
      }),
      400,
      10021,
    );
    expect((await cf.workers.scripts.secrets.list("edge", { account_id })).getPaginatedItems()).toEqual([]);
    const settings = jsonPart<never>("settings.json", {
      bindings: [binding("plain_text", "MODE", ENVIRONMENT_VARIABLE_BYTES + 1)],
    });
    await expectApiError(
      cf.workers.scripts.scriptAndVersionSettings.edit("edge", { account_id, settings }),
      400,
      10021,
    );
  });

  it("allows 128 environment variables on Workers Paid and 64 on Free, secrets counted", async () => {
    const cf = ctx.sdk();
    const account_id = ctx.emu.accountId;
    expect(
      await refusal(uploadScript(ctx, "edge", metadata({ bindings: plainTexts(129) }), [worker()])),
    ).toEqual({
      status: 400,
      code: 10021,
      message: expect.stringContaining("the Workers Paid plan allows at most 128 per Worker"),
    });
    await uploadScript(ctx, "edge", metadata({ bindings: plainTexts(128) }), [worker()]);
    await expectApiError(
      cf.workers.scripts.secrets.update("edge", {
        account_id,
        name: "ONE_MORE",
        text: "x",
        type: "secret_text",
      }),
      400,
      10021,
    );

    await ctx.admin.patchConfig({ plan: "free" });
    const free = await refusal(uploadScript(ctx, "next", metadata({ bindings: plainTexts(65) }), [worker()]));
    expect(free.message).toContain("the Workers Free plan allows at most 64 per Worker");
    await uploadScript(ctx, "next", metadata({ bindings: plainTexts(64) }), [worker()]);
  });
});

describe("Workers script size and migrations through the official SDK", () => {
  it("refuses a Worker over 64 MiB, every part uncompressed, with 10027", async () => {
    const padding = new Uint8Array(SCRIPT_BYTES - Buffer.byteLength(SOURCE) + 1).fill(0x61);
    const files = [worker(), moduleFile("padding.txt", padding, "text/plain")];
    expect(await refusal(uploadScript(ctx, "edge", metadata(), files))).toEqual({
      status: 400,
      code: 10027,
      message: expect.stringMatching(/^Your Worker exceeded the size limit of 64 MiB\./),
    });
    expect(ctx.emu.stores.workers.get("edge")).toBeUndefined();
  });

  it("refuses a new-class migration of a class the script does not export with 10070", async () => {
    const missing = await refusal(
      uploadScript(ctx, "edge", metadata({ migrations: { new_tag: "v1", new_sqlite_classes: ["Lobby"] } }), [
        worker(),
      ]),
    );
    expect(missing).toEqual({
      status: 400,
      code: 10070,
      message: "Cannot apply new-class migration to class 'Lobby' that is not exported by script",
    });

    // A settings edit is checked against the stored code's exports.
    await uploadScript(ctx, "edge", metadata(), [worker()]);
    const settings = jsonPart<never>("settings.json", {
      migrations: { new_tag: "v1", new_classes: ["Lobby"] },
    });
    await expectApiError(
      ctx
        .sdk()
        .workers.scripts.scriptAndVersionSettings.edit("edge", { account_id: ctx.emu.accountId, settings }),
      400,
      10070,
    );

    // A class the entry module passes on from another module is exported.
    const entry = moduleFile("worker.js", 'export * from "./lobby.js";\nexport default { fetch() {} };');
    const lobby = moduleFile(
      "lobby.js",
      'import { DurableObject } from "cloudflare:workers";\nexport class Lobby extends DurableObject {}',
    );
    await uploadScript(ctx, "edge", metadata({ migrations: { new_tag: "v1", new_classes: ["Lobby"] } }), [
      entry,
      lobby,
    ]);

    // A service-worker script exports nothing, so its new-class migrations fail (cloudflare/workers-sdk#4943).
    const serviceWorker = moduleFile(
      "sw.js",
      'addEventListener("fetch", (e) => e.respondWith(new Response("ok")));\nclass Lobby {}',
      "application/javascript",
    );
    const refused = await refusal(
      uploadScript(ctx, "sw", { body_part: "sw.js", migrations: { new_tag: "v1", new_classes: ["Lobby"] } }, [
        serviceWorker,
      ]),
    );
    expect(refused.code).toBe(10070);
  });
});

describe("cron triggers through the official SDK", () => {
  const crons = (count: number, offset = 0) =>
    Array.from({ length: count }, (_, i) => ({
      cron: `${(i + offset) % 60} ${Math.floor((i + offset) / 60)} * * *`,
    }));

  it("refuses a schedules PUT that takes the account past 250 triggers on Paid, 5 on Free", async () => {
    const cf = ctx.sdk();
    const account_id = ctx.emu.accountId;
    await uploadScript(ctx, "edge", metadata(), [worker()]);
    await uploadScript(ctx, "next", metadata(), [worker()]);
    await cf.workers.scripts.schedules.update("edge", { account_id, body: crons(200) });
    expect(
      await refusal(cf.workers.scripts.schedules.update("next", { account_id, body: crons(51, 200) })),
    ).toEqual({
      status: 400,
      code: 10072,
      message: "This account has reached the Workers Paid limit of 250 cron triggers per account.",
    });
    await cf.workers.scripts.schedules.update("next", { account_id, body: crons(50, 200) });

    await ctx.admin.patchConfig({ plan: "free" });
    // Over Free's limit, even a PUT that removes triggers is refused while the rest stay over it
    // (cloudflare/workers-sdk#15194): deleting a script is the way back under it.
    expect(
      await refusal(cf.workers.scripts.schedules.update("next", { account_id, body: [] })),
    ).toMatchObject({
      code: 10072,
      message: "This account has reached the Workers Free limit of 5 cron triggers per account.",
    });
    await cf.workers.scripts.delete("next", { account_id });
    await cf.workers.scripts.schedules.update("edge", { account_id, body: crons(3) });
    await uploadScript(ctx, "next", metadata(), [worker()]);
    await expectApiError(
      cf.workers.scripts.schedules.update("next", { account_id, body: crons(3, 3) }),
      400,
      10072,
    );
    await cf.workers.scripts.schedules.update("next", { account_id, body: crons(2, 3) });
  });
});
