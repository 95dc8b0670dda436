import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as cloudflare from "@pulumi/cloudflare";
import type * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { EmulatorAdmin } from "#emulator/admin-client.ts";
import { type RunningEmulator, startEmulator } from "#emulator/server.ts";
import { CloudflareRest } from "#infra/cloudflare-rest.ts";
import { buildWorkerAssets, renderWorkerAssets } from "#infra/worker-assets.ts";
import { applyProgram, type Step } from "../engine.ts";
import { HOST_FOLDER } from "../testing.ts";

/**
 * The resources still bridged to @pulumi/cloudflare behave locally as their Terraform provider
 * (v5.22.0) does on Cloudflare, defects included.
 */
let emu: RunningEmulator;
let dir: string;
let stateFile: string;

beforeAll(async () => {
  emu = await startEmulator();
  dir = mkdtempSync(join(tmpdir(), "bridged-test-"));
});
afterAll(async () => {
  await emu.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await new EmulatorAdmin(emu.url, emu.adminToken).reset();
  stateFile = join(dir, `${crypto.randomUUID()}.json`);
});

const ZONE_A = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const ZONE_B = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const SCRIPT = "bridged-test";

const apply = (declare: (accountId: string) => Record<string, pulumi.Input<unknown>>) =>
  applyProgram({
    project: "bridged-test",
    stack: "test",
    config: {},
    program: async () => declare(emu.accountId),
    api: new CloudflareRest({ baseUrl: emu.apiBase, token: emu.adminToken }),
    stateFile,
    cwd: HOST_FOLDER,
  });

const ops = (steps: Step[]) => steps.filter((s) => s.op !== "same").map((s) => `${s.op}:${s.name}`);

function script(accountId: string) {
  return new cloudflare.WorkersScript("script", {
    accountId,
    scriptName: SCRIPT,
    mainModule: "index.js",
    content: "export default { fetch() { return new Response('ok'); } };",
    compatibilityDate: "2025-01-01",
  });
}

describe("WorkersScript with static assets", () => {
  const declare = (directory: string, greeting: string) => (accountId: string) => {
    const s = new cloudflare.WorkersScript("script", {
      accountId,
      scriptName: SCRIPT,
      mainModule: "index.js",
      content: `export default { fetch() { return new Response(${JSON.stringify(greeting)}); } };`,
      compatibilityDate: "2025-01-01",
      assets: { directory },
    });
    return { name: s.scriptName };
  };
  /** The script's static assets as the emulator stored them: each path's type and content. */
  const storedAssets = () =>
    Object.fromEntries(
      [...emu.stores.workers.readScript(SCRIPT)!.assets].map(([path, a]) => [
        path,
        { type: a.contentType, content: Buffer.from(a.bytes).toString() },
      ]),
    );
  /** Go's `mime.TypeByExtension` for the Worker's files, written out here rather than taken from the replay under test. */
  const GO_TYPES: Record<string, string> = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
  };
  const assetPosts = async (admin: EmulatorAdmin) =>
    (await admin.requests({ method: "POST" }))
      .map((r) => r.path.replace(`/client/v4/accounts/${emu.accountId}/workers`, ""))
      .filter((path) => path.includes("assets"));

  it("uploads the Worker's built files with the types Go gives their extensions; an update with the same files uploads none", async () => {
    const admin = new EmulatorAdmin(emu.url, emu.adminToken);
    const directory = await buildWorkerAssets("1.0.0+test");
    await apply(declare(directory, "one"));
    // What the program's build renders, each part typed as the provider's mime.TypeByExtension does.
    const built = Object.fromEntries(
      [...(await renderWorkerAssets("1.0.0+test"))].map(([path, content]) => [
        path,
        { type: GO_TYPES[path.slice(path.lastIndexOf("."))], content },
      ]),
    );
    expect(storedAssets()).toEqual(built);
    expect(await assetPosts(admin)).toEqual([`/scripts/${SCRIPT}/assets-upload-session`, "/assets/upload"]);

    await admin.clearRequests();
    const etag = emu.stores.workers.get(SCRIPT)!.etag;
    const next = await apply(declare(directory, "two"));
    expect(ops(next.steps)).toEqual(["update:script"]);
    expect(emu.stores.workers.get(SCRIPT)!.etag).not.toBe(etag);
    // The account holds every file: the session asks for none (empty buckets), and its token completes it.
    expect(await assetPosts(admin)).toEqual([`/scripts/${SCRIPT}/assets-upload-session`]);
    expect(storedAssets()).toEqual(built);
  });
});

describe("WorkersCronTrigger", () => {
  it("deleting it leaves the schedules in place: its Delete is empty upstream", async () => {
    await apply((accountId) => {
      const s = script(accountId);
      new cloudflare.WorkersCronTrigger("cron", {
        accountId,
        scriptName: s.scriptName,
        schedules: [{ cron: "* * * * *" }],
      });
      return {};
    });
    const next = await apply((accountId) => ({ name: script(accountId).scriptName }));
    expect(ops(next.steps)).toEqual(["delete:cron"]);
    expect(emu.stores.workers.get(SCRIPT)?.schedules.map((s) => s.cron)).toEqual(["* * * * *"]);
  });
});

describe("WorkersRoute", () => {
  const declare = (zoneId: string, pattern: string) => (accountId: string) => {
    const s = script(accountId);
    const route = new cloudflare.WorkersRoute("route", { zoneId, pattern, script: s.scriptName });
    return { id: route.id };
  };
  const routes = () => [...emu.stores.workers.zoneRoutes(ZONE_A), ...emu.stores.workers.zoneRoutes(ZONE_B)];

  it("updates the pattern in place and is replaced when the zone changes", async () => {
    const first = await apply(declare(ZONE_A, "a.example.com/*"));
    expect(routes()).toEqual([
      { id: first.outputs.id, zoneId: ZONE_A, pattern: "a.example.com/*", script: SCRIPT },
    ]);

    const renamed = await apply(declare(ZONE_A, "b.example.com/*"));
    expect(ops(renamed.steps)).toEqual(["update:route"]);
    expect(renamed.outputs.id).toBe(first.outputs.id);
    expect(routes().map((r) => r.pattern)).toEqual(["b.example.com/*"]);

    const moved = await apply(declare(ZONE_B, "b.example.com/*"));
    expect(ops(moved.steps)).toEqual(["replace:route", "delete:route"]);
    expect(moved.outputs.id).not.toBe(first.outputs.id);
    expect(routes().map((r) => r.zoneId)).toEqual([ZONE_B]);
  });
});

describe("WorkersCustomDomain", () => {
  const declare = (hostname: string) => (accountId: string) => {
    const s = script(accountId);
    const domain = new cloudflare.WorkersCustomDomain("domain", {
      accountId,
      zoneId: ZONE_A,
      hostname,
      service: s.scriptName,
    });
    return { id: domain.id };
  };
  const domains = () => emu.stores.workers.listDomains();

  it("is created by PUT and replaced, never updated, when the hostname changes", async () => {
    const first = await apply(declare("rt.example.com"));
    expect(domains()).toMatchObject([{ id: first.outputs.id, hostname: "rt.example.com", service: SCRIPT }]);
    const puts = (await new EmulatorAdmin(emu.url, emu.adminToken).requests({ method: "PUT" })).filter((r) =>
      r.path.endsWith("/workers/domains"),
    );
    expect(puts).toHaveLength(1);

    const next = await apply(declare("live.example.com"));
    expect(ops(next.steps)).toEqual(["replace:domain", "delete:domain"]);
    expect(domains().map((d) => d.hostname)).toEqual(["live.example.com"]);
    expect(next.outputs.id).not.toBe(first.outputs.id);
  });
});

describe("NotificationPolicyWebhooks", () => {
  it("keeps the type Cloudflare answers with, inventing none (create answers with the id alone)", async () => {
    const run = await apply((accountId) => {
      const hook = new cloudflare.NotificationPolicyWebhooks("hook", {
        accountId,
        name: "events",
        url: "https://example.com/hook",
        secret: "s".repeat(32),
      });
      return { type: hook.type };
    });
    const recorded = Object.values(run.state.resources)[0]!;
    expect("type" in recorded.outputs).toBe(false);
    expect(emu.stores.notifications.getWebhook(recorded.id)).toBeDefined();
  });
});
