import { describe, expect, it } from "vitest";
import { cfSuccess } from "#contracts/cloudflare/envelope.ts";
import { workerScriptLevelSettings, workerScriptSettings } from "#contracts/cloudflare/workers.ts";
import { errorCodes, useWorkersEmulator } from "./test-support.ts";

const { ctx, api, deploy } = useWorkersEmulator();

const settingsForm = (settings: unknown) => {
  const form = new FormData();
  form.append("settings", new Blob([JSON.stringify(settings)], { type: "application/json" }));
  return form;
};

describe("script and version settings", () => {
  it("lists bindings with a secret as name and type only", async () => {
    await deploy("configured", {
      compatibility_flags: ["nodejs_compat"],
      bindings: [
        { type: "plain_text", name: "STACK", text: "dev" },
        { type: "secret_text", name: "SIGNING_SECRET", text: "not-for-reading" },
        { type: "json", name: "TENANTS", json: { acme: ["main"] } },
      ],
      tags: ["stack:dev"],
    });
    const res = await api("/scripts/configured/settings");
    const { result } = cfSuccess(workerScriptSettings).parse(await res.json());
    expect(result).toEqual({
      bindings: [
        { type: "plain_text", name: "STACK", text: "dev" },
        { type: "secret_text", name: "SIGNING_SECRET" },
        { type: "json", name: "TENANTS", json: { acme: ["main"] } },
      ],
      compatibility_date: "2026-08-01",
      compatibility_flags: ["nodejs_compat"],
      logpush: false,
      tags: ["stack:dev"],
      usage_model: "standard",
      placement: {},
      tail_consumers: [],
    });
  });

  it("PATCH /settings takes a multipart `settings` part and keeps a secret through inherit", async () => {
    await deploy("patched", { bindings: [{ type: "secret_text", name: "KEY", text: "kept-value" }] });
    const res = await api("/scripts/patched/settings", {
      method: "PATCH",
      body: settingsForm({
        compatibility_date: "2026-09-01",
        logpush: true,
        bindings: [
          { type: "inherit", name: "KEY" },
          { type: "plain_text", name: "MODE", text: "on" },
        ],
      }),
    });
    const { result } = cfSuccess(workerScriptSettings).parse(await res.json());
    expect(result).toMatchObject({ compatibility_date: "2026-09-01", logpush: true });
    expect(result.bindings).toEqual([
      { type: "secret_text", name: "KEY" },
      { type: "plain_text", name: "MODE", text: "on" },
    ]);
    expect(ctx.emu.stores.workers.readScript("patched")!.bindings[0]).toMatchObject({ text: "kept-value" });
  });

  it("refuses a settings PATCH that is not multipart, or whose settings are invalid", async () => {
    await deploy("strict");
    const json = await api("/scripts/strict/settings", {
      method: "PATCH",
      body: JSON.stringify({ logpush: true }),
    });
    expect(await errorCodes(json)).toEqual([10001]);
    const invalid = await api("/scripts/strict/settings", {
      method: "PATCH",
      body: settingsForm({ usage_model: "infinite" }),
    });
    expect(invalid.status).toBe(400);
    expect((await invalid.json()).errors[0].message).toMatch(/^settings\.usage_model: /);
    expect(
      cfSuccess(workerScriptSettings).parse(await (await api("/scripts/strict/settings")).json()).result
        .usage_model,
    ).toBe("standard");
  });
});

describe("script-level settings", () => {
  it("reads and patches logpush, observability, tags and tail consumers as JSON", async () => {
    await deploy("observed");
    const initial = cfSuccess(workerScriptLevelSettings).parse(
      await (await api("/scripts/observed/script-settings")).json(),
    ).result;
    expect(initial).toEqual({ logpush: false, observability: null, tags: [], tail_consumers: [] });

    const res = await api("/scripts/observed/script-settings", {
      method: "PATCH",
      body: JSON.stringify({
        observability: { enabled: true },
        tail_consumers: [{ service: "tail-worker" }],
      }),
    });
    expect(cfSuccess(workerScriptLevelSettings).parse(await res.json()).result).toEqual({
      logpush: false,
      observability: { enabled: true },
      tags: [],
      tail_consumers: [{ service: "tail-worker" }],
    });
    // A code upload that does not mention them leaves script-level settings alone.
    await deploy("observed");
    const after = cfSuccess(workerScriptLevelSettings).parse(
      await (await api("/scripts/observed/script-settings")).json(),
    ).result;
    expect(after.observability).toEqual({ enabled: true });
  });
});
