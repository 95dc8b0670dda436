import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { EmulatorAdmin } from "../emulator/admin-client.ts";
import { type RunningEmulator, startEmulator } from "../emulator/server.ts";
import { CloudflareRest } from "../infra/cloudflare-rest.ts";
import { applyProgram } from "./engine.ts";

let emu: RunningEmulator;
let dir: string;
let stateFile: string;

beforeAll(async () => {
  emu = await startEmulator();
  dir = mkdtempSync(join(tmpdir(), "engine-test-"));
});
afterAll(async () => {
  await emu.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await new EmulatorAdmin(emu.url, emu.adminToken).reset();
  stateFile = join(dir, `${crypto.randomUUID()}.json`);
});

/** A tiny program: one live input per name, exporting their uids. */
const program = (names: string[], label: string) => async () => {
  const inputs = names.map(
    (n) =>
      new cloudflare.StreamLiveInput(n, {
        accountId: emu.accountId,
        meta: JSON.stringify({ name: n, label }),
        recording: { mode: "automatic" },
      }),
  );
  return { uids: pulumi.all(inputs.map((i) => i.uid)), keys: pulumi.secret(inputs.map((i) => i.rtmps)) };
};

const apply = (names: string[], label: string) =>
  applyProgram({
    project: "engine-test",
    stack: "test",
    config: {},
    program: program(names, label),
    api: new CloudflareRest({ baseUrl: emu.apiBase, token: emu.adminToken }),
    stateFile,
  });

const liveInputs = () => emu.stores.stream.list();

describe("local engine", () => {
  it("creates on the emulator, then does nothing when nothing changed", async () => {
    const first = await apply(["a", "b"], "v1");
    expect(first.steps.map((s) => s.op).sort()).toEqual(["create", "create"]);
    expect(liveInputs()).toHaveLength(2);
    expect([...(first.outputs.uids as string[])].sort()).toEqual(
      liveInputs()
        .map((i) => i.uid)
        .sort(),
    );

    const second = await apply(["a", "b"], "v1");
    expect(second.steps.map((s) => s.op)).toEqual(["same", "same"]);
    expect(second.outputs.uids).toEqual(first.outputs.uids);
    expect(liveInputs()).toHaveLength(2);
  });

  it("updates changed inputs in place, keeping ids", async () => {
    const first = await apply(["a"], "v1");
    const second = await apply(["a"], "v2");
    expect(second.steps).toEqual([
      { op: "update", type: "cloudflare:index/streamLiveInput:StreamLiveInput", name: "a" },
    ]);
    expect(second.outputs.uids).toEqual(first.outputs.uids);
    expect(liveInputs()[0]?.meta).toEqual({ name: "a", label: "v2" });
  });

  it("creates a new logical name and deletes the one gone from the program, last", async () => {
    await apply(["a", "b"], "v1");
    const next = await apply(["a", "c"], "v1");
    expect(next.steps.map((s) => `${s.op}:${s.name}`)).toEqual(["same:a", "create:c", "delete:b"]);
    expect(
      liveInputs()
        .map((i) => (i.meta as { name: string }).name)
        .sort(),
    ).toEqual(["a", "c"]);
  });

  it("reads secret outputs in plain form, as `pulumi stack output --show-secrets` does", async () => {
    const { outputs } = await apply(["a"], "v1");
    const [rtmps] = outputs.keys as { streamKey: string }[];
    expect(rtmps?.streamKey).toBe(liveInputs()[0]?.streamKey);
  });
});

describe("local engine failures", () => {
  it("stop the run at the first failed step with the provider's error, and the next run recovers", async () => {
    const admin = new EmulatorAdmin(emu.url, emu.adminToken);
    await admin.addFault({
      method: "POST",
      path: "/client/v4/accounts/*/stream/live_inputs",
      count: 1,
      action: { type: "status", status: 500 },
    });
    await expect(apply(["a"], "v1")).rejects.toThrow(/HTTP 500/);
    expect(liveInputs()).toHaveLength(0);
    const retry = await apply(["a"], "v1");
    expect(retry.steps.map((s) => s.op)).toEqual(["create"]);
  });
});
