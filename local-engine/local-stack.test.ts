import { existsSync, mkdtempSync, readdirSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Step } from "./engine.ts";
import { PROJECT } from "./local-config.ts";
import { previewLocal } from "./local-preview.ts";
import { declaredWorkerSpec, LocalStack } from "./local-stack.ts";
import { getWithHeaderLines, HOST_FOLDER, processesIn } from "./testing.ts";

/**
 * The `npm start` environment in-process: emulator, the real Pulumi program through the local
 * engine, and the Worker it declares in workerd, re-applied after config changes.
 */
let stack: LocalStack;
let stateDir: string;
const root = new URL("..", import.meta.url).pathname;

type Outputs = {
  tenants: Record<string, { apiKey: string; channels: Record<string, { liveInputId: string }> }>;
  turnKeys: { active: string; a: { keyId: string }; b: { keyId: string } };
};
const outputs = () => stack.outputs as Outputs;

const status = (key: string, channel = "main-stage") =>
  fetch(`${stack.worker.url}/api/stream/status?channel=${channel}`, {
    headers: { "x-tenant-id": "acme", authorization: `Bearer ${key}` },
  });

/** Applies one change to the local config patch, as `npm run rotate -- --local` does. */
function patch(key: string, change: (value: Record<string, unknown>) => void, base: unknown) {
  const current = stack.readPatch();
  const value = JSON.parse(current[`${PROJECT}:${key}`] ?? JSON.stringify(base));
  change(value);
  stack.writePatch({ ...current, [`${PROJECT}:${key}`]: JSON.stringify(value) });
}

/**
 * The id of the first event on a channel's status stream, `<epoch>.<seq>`: the epoch is made once
 * per status log and kept in its channel status object's storage, so a new one means lost storage.
 */
async function firstEventId(key: string, channel = "main-stage"): Promise<string> {
  const aborted = new AbortController();
  const res = await fetch(`${stack.worker.url}/api/stream/events?channel=${channel}`, {
    // Uncompressed, so that the first event arrives as it is written.
    headers: { "x-tenant-id": "acme", authorization: `Bearer ${key}`, "accept-encoding": "identity" },
    signal: aborted.signal,
  });
  expect(res.status).toBe(200);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  try {
    while (!/^id: /m.test(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
  } finally {
    aborted.abort();
  }
  const id = /^id: (.+)$/m.exec(text)?.[1];
  if (!id) throw new Error(`no event id on the status stream: ${text}`);
  return id;
}
const epochOf = (eventId: string) => eventId.split(".")[0];

const ops = (steps: Step[]) => steps.filter((s) => s.op !== "same").map((s) => `${s.op} ${s.name}`);

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), "local-stack-"));
  stack = await LocalStack.start({ root, stateDir });
}, 120_000);
afterAll(async () => {
  await stack?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

describe("the local stack", () => {
  it("serves the Worker the program declared, with working tenant keys", async () => {
    const health = await fetch(`${stack.worker.url}/healthz`);
    expect(health.status).toBe(200);
    const res = await status(outputs().tenants.acme!.apiKey);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: { live_input_id: string } };
    expect(body.data.live_input_id).toBe(outputs().tenants.acme!.channels["main-stage"]!.liveInputId);
  });

  it("refuses a credential header sent twice with 400, over real HTTP through the local proxy", async () => {
    const key = outputs().tenants.acme!.apiKey;
    const path = `${stack.worker.url}/api/stream/status?channel=main-stage`;
    const twice: [string, [string, string][]][] = [
      [
        "authorization",
        [
          ["X-Tenant-ID", "acme"],
          ["Authorization", `Bearer ${key}`],
          ["Authorization", "Bearer rsk.1.someone-elses-key"],
        ],
      ],
      [
        "x-tenant-id",
        [
          ["X-Tenant-ID", "acme"],
          ["X-Tenant-ID", "globex"],
          ["Authorization", `Bearer ${key}`],
        ],
      ],
    ];
    for (const [header, lines] of twice) {
      const res = await getWithHeaderLines(path, lines);
      expect(res.status, res.body).toBe(400);
      expect(JSON.parse(res.body)).toMatchObject({
        success: false,
        error: { code: "invalid_request", details: { header } },
      });
    }
  });

  it("applies a config change once, then finds nothing to do", async () => {
    const rotation = { turn: { active: "a", generations: { a: 1, b: 1 } } };
    patch("rotation", (r) => Object.assign(r, rotation), {});
    const tenants = JSON.parse(stack.config()[`${PROJECT}:tenants`]!) as {
      id: string;
      channels: { name: string }[];
    }[];
    tenants[0]!.channels.push({ name: "side-stage" });
    stack.writePatch({ ...stack.readPatch(), [`${PROJECT}:tenants`]: JSON.stringify(tenants) });

    const first = await stack.apply();
    expect(ops(first.steps)).toEqual(["create realtime-live-acme/side-stage", "update realtime-worker"]);
    const second = await stack.apply();
    expect(ops(second.steps)).toEqual([]);
    expect((await status(outputs().tenants.acme!.apiKey, "side-stage")).status).toBe(200);
  });

  it("previews a change with the stack's deploy token in a sandbox, leaving the running stack as it was", async () => {
    const before = stack.readPatch();
    const tenants = JSON.parse(stack.config()[`${PROJECT}:tenants`]!) as { channels: { name: string }[] }[];
    tenants[0]!.channels.push({ name: "preview-stage" });
    stack.writePatch({ ...before, [`${PROJECT}:tenants`]: JSON.stringify(tenants) });
    const inputs = stack.emulator.stores.stream.list().length;
    try {
      const planned = await previewLocal(stack);
      expect(planned.map((c) => `${c.op} ${c.name}`)).toEqual([
        "create realtime-live-acme/preview-stage",
        "update realtime-worker",
      ]);
      expect(stack.emulator.stores.stream.list()).toHaveLength(inputs);
    } finally {
      stack.writePatch(before);
    }
  });

  it("previews with the provider host started where the applies start theirs, taking the one started ahead", async () => {
    // Pulumi starts the host in the folder of Pulumi.yaml's main for a preview as for an up. The
    // local engine starts each run's host ahead, one folder's chain for both, so a preview after
    // applies takes the waiting host and leaves a new one for the run after it.
    const infra = realpathSync(HOST_FOLDER);
    await stack.apply();
    await expect.poll(() => processesIn(infra, process.pid).length, { timeout: 30_000 }).toBe(1);
    const [waiting] = processesIn(infra, process.pid);
    await previewLocal(stack);
    await expect.poll(() => processesIn(infra, process.pid), { timeout: 30_000 }).toHaveLength(1);
    expect(processesIn(infra, process.pid)).not.toContain(waiting);
  });

  it("bumping a slot's generation replaces exactly that slot, deleting the old one last", async () => {
    const before = outputs().turnKeys.b.keyId;
    patch(
      "rotation",
      (r) => {
        r.turn = { active: "a", generations: { a: 1, b: 2 } };
      },
      {},
    );
    const result = await stack.apply();
    expect(ops(result.steps)).toEqual(["create realtime-turn-b-g2", "delete realtime-turn-b-g1"]);
    expect(outputs().turnKeys.b.keyId).not.toBe(before);
    expect(stack.emulator.stores.calls.get("turnKeys", before)).toBeUndefined();
  });

  it("a tenant key generation bump makes the Worker accept the new key, and the previous one in grace", async () => {
    const oldKey = outputs().tenants.acme!.apiKey;
    patch(
      "rotation",
      (r) => {
        r.tenantKeys = { generation: 2 };
      },
      {},
    );
    const result = await stack.apply();
    expect(ops(result.steps)).toEqual(["update realtime-worker"]);
    const newKey = outputs().tenants.acme!.apiKey;
    expect(newKey).not.toBe(oldKey);
    expect((await status(newKey)).status).toBe(200);
    expect((await status(oldKey)).status).toBe(200);
    expect((await status(`${newKey.slice(0, -2)}xx`)).status).toBe(401);
  });

  it("serves through a route or a custom domain as the config says, each made on the emulator", async () => {
    const zoneId = "fedcba9876543210fedcba9876543210";
    const worker = JSON.parse(stack.config()[`${PROJECT}:worker`]!) as Record<string, unknown>;
    const expose = (exposure: Record<string, unknown>) => {
      const { workersDev: _w, route: _r, customDomain: _c, ...rest } = worker;
      stack.writePatch({
        ...stack.readPatch(),
        [`${PROJECT}:worker`]: JSON.stringify({ ...rest, ...exposure }),
      });
    };
    const workers = stack.emulator.stores.workers;

    expose({ route: { pattern: "rt.example.com/*", zoneId } });
    const routed = await stack.apply();
    expect(ops(routed.steps).sort()).toEqual([
      "create realtime-worker-route",
      "update realtime-worker-subdomain",
    ]);
    expect(workers.zoneRoutes(zoneId)).toMatchObject([{ zoneId, pattern: "rt.example.com/*" }]);

    expose({ customDomain: { hostname: "rt.example.com", zoneId } });
    const domained = await stack.apply();
    expect(ops(domained.steps)).toEqual(["create realtime-worker-domain", "delete realtime-worker-route"]);
    expect(workers.zoneRoutes(zoneId)).toEqual([]);
    expect(workers.listDomains()).toMatchObject([{ hostname: "rt.example.com", zone_id: zoneId }]);
    expect((await status(outputs().tenants.acme!.apiKey)).status).toBe(200);

    expose({ workersDev: worker.workersDev });
    const back = await stack.apply();
    expect(ops(back.steps)).toEqual(["update realtime-worker-subdomain", "delete realtime-worker-domain"]);
    expect(workers.listDomains()).toEqual([]);
  });

  it("keeps the Worker's Durable Objects' storage across a deploy, a restart of its runner and of the stack", async () => {
    const key = () => outputs().tenants.acme!.apiKey;
    const epoch = epochOf(await firstEventId(key()));
    expect(readdirSync(stack.worker.durableObjectsDir)).toContain("-ChannelStatus");

    patch(
      "rotation",
      (r) => {
        r.tenantKeys = { generation: 3 };
      },
      {},
    );
    expect(ops((await stack.apply()).steps)).toEqual(["update realtime-worker"]);
    expect(epochOf(await firstEventId(key()))).toBe(epoch);

    await stack.stopWorker();
    await expect(fetch(`${stack.worker.url}/healthz`)).rejects.toThrow();
    await stack.startWorker();
    expect(epochOf(await firstEventId(key()))).toBe(epoch);

    await stack.close();
    stack = await LocalStack.start({ root, stateDir });
    expect(epochOf(await firstEventId(key()))).toBe(epoch);
  }, 90_000);

  it("starts again from the same state with nothing to change", async () => {
    const url = stack.worker.url;
    await stack.close();
    stack = await LocalStack.start({ root, stateDir });
    expect(stack.worker.url).toBe(url);
    const result = await stack.apply();
    expect(ops(result.steps)).toEqual([]);
    expect((await status(outputs().tenants.acme!.apiKey)).status).toBe(200);
  }, 60_000);

  it("tells the Worker the plan the emulated account is on, so its sweep fans out within that plan's limits", async () => {
    await stack.close();
    stack = await LocalStack.start({ root, stateDir, plan: "free" });
    const { state } = await stack.apply();
    const script = Object.values(state.resources).find((r) => r.name === "realtime-worker");
    const bindings = script?.inputs.bindings as { name: string; text?: string }[];
    expect(bindings.find((b) => b.name === "WORKERS_PLAN")?.text).toBe("free");
    expect((await status(outputs().tenants.acme!.apiKey)).status).toBe(200);
  }, 60_000);

  it("destroy deletes what the program made, and the Worker with its Durable Objects' storage", async () => {
    const objects = stack.worker.durableObjectsDir;
    expect(existsSync(objects)).toBe(true);
    const steps = await stack.destroy();
    expect(steps.map((s) => `${s.op} ${s.name}`)).toContain("delete realtime-worker");
    expect(existsSync(objects)).toBe(false);
    expect((await fetch(`${stack.worker.url}/healthz`)).status).toBe(503);
  }, 60_000);
});

describe("the Worker as the program declares it", () => {
  it("carries the static assets and which paths go to the Worker first into what the runner serves", () => {
    const inputs = {
      content: "export default {}",
      mainModule: "index.js",
      compatibilityDate: "2026-04-01",
      compatibilityFlags: ["nodejs_compat"],
      bindings: [{ type: "plain_text", name: "STACK", text: "dev" }],
      assets: { directory: "/tmp/assets", config: { runWorkerFirst: ["/api/*"] } },
    };
    expect(declaredWorkerSpec(inputs)).toEqual({
      content: "export default {}",
      mainModule: "index.js",
      compatibilityDate: "2026-04-01",
      compatibilityFlags: ["nodejs_compat"],
      bindings: [{ type: "plain_text", name: "STACK", text: "dev" }],
      assetsDirectory: "/tmp/assets",
      runWorkerFirst: ["/api/*"],
    });
    const { assets: _assets, ...withoutAssets } = inputs;
    expect(declaredWorkerSpec(withoutAssets)).not.toHaveProperty("runWorkerFirst");
  });
});
