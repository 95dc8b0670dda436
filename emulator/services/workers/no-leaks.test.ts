import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { expectHiddenFromAdmin } from "../../testing.ts";
import { useWorkersEmulator } from "./test-support.ts";

const { ctx, api, upload } = useWorkersEmulator();

const fresh = (label: string) => `${label}-${randomBytes(12).toString("hex")}`;

describe("secret values and module contents stay inside the emulator", () => {
  it("appear in no API response, request log entry or state snapshot", async () => {
    const uploaded = fresh("uploaded-secret");
    const put = fresh("put-secret");
    const patched = fresh("patched-secret");
    const codeMarker = fresh("code-marker");
    const source = `export default { fetch() { return new Response("${codeMarker}"); } };`;

    const bodies: string[] = [];
    const record = async (res: Response) => {
      expect(res.ok).toBe(true);
      bodies.push(await res.text());
    };
    await record(
      await upload(
        "leaky",
        { main_module: "worker.js", bindings: [{ type: "secret_text", name: "UPLOADED", text: uploaded }] },
        [{ name: "worker.js", content: source }],
      ),
    );
    await record(
      await api("/scripts/leaky/secrets", {
        method: "PUT",
        body: JSON.stringify({ name: "PUT", text: put, type: "secret_text" }),
      }),
    );
    const settings = new FormData();
    settings.append(
      "settings",
      JSON.stringify({
        bindings: [
          { type: "inherit", name: "UPLOADED" },
          { type: "inherit", name: "PUT" },
          { type: "secret_text", name: "PATCHED", text: patched },
        ],
      }),
    );
    await record(await api("/scripts/leaky/settings", { method: "PATCH", body: settings }));
    for (const path of [
      "/scripts",
      "/scripts/leaky/settings",
      "/scripts/leaky/script-settings",
      "/scripts/leaky/secrets",
      "/scripts/leaky/secrets/PUT",
      "/scripts/leaky/schedules",
      "/scripts/leaky/subdomain",
    ]) {
      await record(await api(path));
    }
    const content = await (await api("/scripts/leaky")).text();
    expect(content).toBe(source);

    for (const text of [...bodies, content]) {
      for (const secret of [uploaded, put, patched]) expect(text).not.toContain(secret);
    }
    await expectHiddenFromAdmin(ctx.admin, [uploaded, put, patched]);
    const state = await ctx.admin.state();
    const snapshot = JSON.stringify(state);
    expect(snapshot).not.toContain(codeMarker);
    expect(snapshot).not.toContain(Buffer.from(source).toString("base64"));
    const scripts = state["scripts"] as Record<string, { modules: { base64Text: string }[] }>;
    expect(scripts["leaky"]!.modules).toEqual([expect.objectContaining({ base64Text: "[redacted]" })]);
    // The secrets themselves did reach the deployed Worker.
    expect(ctx.emu.stores.workers.get("leaky")!.bindings.map((b) => b.name)).toEqual([
      "UPLOADED",
      "PUT",
      "PATCHED",
    ]);
  });
});
