import { describe, expect, it } from "vitest";
import * as z from "zod";
import { cfSuccess } from "#contracts/cloudflare/envelope.ts";
import { workerScriptSettings, workerSecret } from "#contracts/cloudflare/workers.ts";
import { errorCodes, useWorkersEmulator } from "./test-support.ts";

const { ctx, api, deploy } = useWorkersEmulator();

const putSecret = (script: string, name: string, text: string) =>
  api(`/scripts/${script}/secrets`, {
    method: "PUT",
    body: JSON.stringify({ name, text, type: "secret_text" }),
  });
const secretValue = (script: string, name: string) =>
  ctx.emu.stores.workers.readScript(script)!.bindings.find((b) => b.name === name);

describe("worker secrets", () => {
  it("puts, lists, gets and deletes secrets without ever returning a value", async () => {
    await deploy("vault");
    const put = await putSecret("vault", "TURN_KEY_SECRET", "first-value");
    expect(cfSuccess(workerSecret).parse(await put.json()).result).toEqual({
      name: "TURN_KEY_SECRET",
      type: "secret_text",
    });
    expect(secretValue("vault", "TURN_KEY_SECRET")).toMatchObject({ text: "first-value" });

    await putSecret("vault", "SFU_APP_SECRET", "other-value");
    const list = cfSuccess(z.array(workerSecret)).parse(await (await api("/scripts/vault/secrets")).json());
    expect(list.result).toEqual([
      { name: "TURN_KEY_SECRET", type: "secret_text" },
      { name: "SFU_APP_SECRET", type: "secret_text" },
    ]);
    const one = await api("/scripts/vault/secrets/SFU_APP_SECRET");
    expect(cfSuccess(workerSecret).parse(await one.json()).result).toEqual({
      name: "SFU_APP_SECRET",
      type: "secret_text",
    });

    const deleted = await api("/scripts/vault/secrets/SFU_APP_SECRET", { method: "DELETE" });
    expect(cfSuccess(z.null()).parse(await deleted.json()).result).toBeNull();
    const gone = await api("/scripts/vault/secrets/SFU_APP_SECRET");
    expect(gone.status).toBe(404);
    expect(await errorCodes(gone)).toEqual([10007]);
    expect((await api("/scripts/vault/secrets/SFU_APP_SECRET", { method: "DELETE" })).status).toBe(404);
  });

  it("replaces a same-named secret binding, whether uploaded or put", async () => {
    await deploy("rotating", { bindings: [{ type: "secret_text", name: "SIGNING_SECRET", text: "old" }] });
    await putSecret("rotating", "SIGNING_SECRET", "new");
    const deployed = ctx.emu.stores.workers.readScript("rotating")!;
    expect(deployed.bindings).toEqual([{ type: "secret_text", name: "SIGNING_SECRET", text: "new" }]);
    const settings = await api("/scripts/rotating/settings");
    expect(cfSuccess(workerScriptSettings).parse(await settings.json()).result.bindings).toEqual([
      { type: "secret_text", name: "SIGNING_SECRET" },
    ]);
  });

  it("refuses a secret named like a plain binding, a bad body and an unknown script", async () => {
    await deploy("named", { bindings: [{ type: "plain_text", name: "STACK", text: "dev" }] });
    expect(await errorCodes(await putSecret("named", "STACK", "x"))).toEqual([10053]);
    const wrongType = await api("/scripts/named/secrets", {
      method: "PUT",
      body: JSON.stringify({ name: "K", text: "x", type: "plain_text" }),
    });
    expect(wrongType.status).toBe(400);
    expect((await wrongType.json()).errors[0].message).toMatch(/^type: /);
    expect(await errorCodes(await putSecret("missing", "K", "x"))).toEqual([10007]);
    expect(ctx.emu.stores.workers.readScript("named")!.bindings).toHaveLength(1);
  });
});
