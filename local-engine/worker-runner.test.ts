import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from "vitest";
import { WebSocket } from "ws";
import { ENVIRONMENT_VARIABLE_BYTES, SCRIPT_BYTES } from "#emulator/services/workers/limits.ts";
import { getWithHeaderLines } from "./testing.ts";
import { LocalWorker, type WorkerSpec } from "./worker-runner.ts";
import { measureStartup } from "./worker-startup.ts";

const spec = (version: string): WorkerSpec => ({
  mainModule: "index.js",
  compatibilityDate: "2026-04-01",
  compatibilityFlags: [],
  bindings: [
    { type: "plain_text", name: "VERSION", text: version },
    { type: "secret_text", name: "SECRET", text: "not-a-real-secret" },
    { type: "durable_object_namespace", name: "COUNTER", className: "Counter" },
  ],
  content: `
    import { DurableObject } from "cloudflare:workers";
    export class Counter extends DurableObject {
      async fetch() { const n = ((await this.ctx.storage.get("n")) ?? 0) + 1; await this.ctx.storage.put("n", n); return new Response(String(n)); }
    }
    export default {
      async fetch(req, env) {
        const url = new URL(req.url);
        if (url.pathname === "/count") return env.COUNTER.get(env.COUNTER.idFromName("x")).fetch(req);
        if (url.pathname === "/forever") {
          // A stream that goes on writing, as an event stream does: workerd cancels one that never could.
          const { readable, writable } = new TransformStream();
          const writer = writable.getWriter();
          setInterval(() => writer.write(new TextEncoder().encode(".")), 50);
          return new Response(readable);
        }
        if (url.pathname === "/headers") return Response.json(Object.fromEntries(req.headers));
        if (url.pathname === "/ws") {
          const [client, server] = Object.values(new WebSocketPair());
          server.accept();
          server.addEventListener("message", (e) => server.send("echo:" + e.data));
          return new Response(null, { status: 101, webSocket: client });
        }
        return new Response(env.VERSION + ":" + (env.SECRET.length > 0));
      },
    };`,
});

let worker: LocalWorker | undefined;
afterEach(async () => {
  await worker?.close();
  worker = undefined;
});

describe("LocalWorker", () => {
  it("serves the declared Worker with its bindings and Durable Objects", async () => {
    worker = new LocalWorker();
    const url = await worker.listen();
    expect((await fetch(url)).status).toBe(503);
    await worker.deploy(spec("v1"));
    expect(await (await fetch(url)).text()).toBe("v1:true");
    expect(await (await fetch(`${url}/count`)).text()).toBe("1");
    expect(await (await fetch(`${url}/count`)).text()).toBe("2");
    expect((await fetch(`${url}/cdn-cgi/handler/scheduled`)).status).toBe(404);
  });

  /** Serves `content` with a static assets directory holding `files` (path → text), removed after the test. */
  async function serveWithAssets(
    files: Record<string, string>,
    declared: Pick<WorkerSpec, "content" | "runWorkerFirst">,
  ): Promise<{ url: string; served: WorkerSpec }> {
    const assetsDirectory = mkdtempSync(join(tmpdir(), "worker-assets-"));
    onTestFinished(() => rmSync(assetsDirectory, { recursive: true, force: true }));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(assetsDirectory, path)), { recursive: true });
      writeFileSync(join(assetsDirectory, path), text);
    }
    worker = new LocalWorker({ quiet: true });
    const url = await worker.listen();
    const served: WorkerSpec = { ...spec("v1"), bindings: [], assetsDirectory, ...declared };
    await worker.deploy(served);
    return { url, served };
  }

  it("serves the static assets before the Worker, and runs its cron handler past them", async () => {
    const { url } = await serveWithAssets(
      { "app/main.js": "export const served = true;\n" },
      {
        content: `let runs = 0;
        export default {
          fetch() { return new Response("runs:" + runs); },
          scheduled(controller) { if (controller.cron === "* * * * *") runs += 1; },
        };`,
      },
    );
    const asset = await fetch(`${url}/app/main.js`);
    expect(asset.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(await asset.text()).toBe("export const served = true;\n");
    await worker!.runScheduled("* * * * *");
    expect(await (await fetch(`${url}/app/other.js`)).text()).toBe("runs:1");
  });

  it("hands the paths of run_worker_first to the Worker, even where a file of that path exists", async () => {
    const { url, served } = await serveWithAssets(
      { "api/status": "a file\n", "page.js": "a page\n", "api/static/app.js": "static\n" },
      {
        runWorkerFirst: ["/api/*", "!/api/static/*"],
        content: `export default { fetch(request) { return new Response("worker:" + new URL(request.url).pathname); } };`,
      },
    );
    expect(await (await fetch(`${url}/api/status`)).text()).toBe("worker:/api/status");
    expect(await (await fetch(`${url}/page.js`)).text()).toBe("a page\n");
    // A negative rule keeps its paths on the assets alone, as the router Cloudflare runs does
    // (workers-shared's router worker, which Miniflare runs): no file there is a 404, not the Worker.
    expect(await (await fetch(`${url}/api/static/app.js`)).text()).toBe("static\n");
    const missing = await fetch(`${url}/api/static/none.js`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).not.toMatch(/^worker:/);

    // `true` sends every path to the Worker first, files included.
    await worker!.deploy({ ...served, runWorkerFirst: true });
    expect(await (await fetch(`${url}/page.js`)).text()).toBe("worker:/page.js");

    // A list Cloudflare would refuse at upload is refused here too, and the running version stays.
    await expect(worker!.deploy({ ...served, runWorkerFirst: ["/api/*", "/api/status"] })).rejects.toThrow(
      "the local Worker cannot start: Invalid routes in `run_worker_first`:\n'/api/status': rule '/api/*' makes it redundant [code: 10021]",
    );
    expect(await (await fetch(`${url}/page.js`)).text()).toBe("worker:/page.js");
  });

  it("swaps to a new deploy without failing a single request under load", async () => {
    worker = new LocalWorker();
    const url = await worker.listen();
    await worker.deploy(spec("v1"));
    const seen = new Set<string>();
    let failures = 0;
    let running = true;
    const load = Array.from({ length: 4 }, async () => {
      while (running) {
        const res = await fetch(url).catch(() => undefined);
        if (res?.ok) seen.add(await res.text());
        else failures += 1;
      }
    });
    await worker.deploy(spec("v2"));
    await worker.deploy(spec("v3"));
    await new Promise((r) => setTimeout(r, 100));
    running = false;
    await Promise.all(load);
    expect(failures).toBe(0);
    expect(seen.has("v3:true")).toBe(true);
    expect(await (await fetch(url)).text()).toBe("v3:true");
  });

  it("hands the Worker a header sent twice as workerd delivers it from the edge: both values, joined", async () => {
    worker = new LocalWorker();
    const url = await worker.listen();
    await worker.deploy(spec("v1"));
    const res = await getWithHeaderLines(`${url}/headers`, [
      ["Authorization", "Bearer first"],
      ["Authorization", "Bearer second"],
      ["X-Tenant-ID", "acme"],
      ["X-Tenant-ID", "globex"],
    ]);
    expect(res.status, res.body).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({
      authorization: "Bearer first, Bearer second",
      "x-tenant-id": "acme, globex",
    });
  });

  it("proxies WebSocket upgrades", async () => {
    worker = new LocalWorker();
    const url = await worker.listen();
    await worker.deploy(spec("v1"));
    const ws = new WebSocket(`${url.replace("http", "ws")}/ws`);
    const reply = await new Promise<string>((resolve, reject) => {
      ws.on("open", () => ws.send("hi"));
      ws.on("message", (data) => resolve(String(data)));
      ws.on("error", reject);
    });
    ws.close();
    expect(reply).toBe("echo:hi");
  });
});

describe("LocalWorker's Durable Object storage", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "worker-objects-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const count = async (url: string) => (await fetch(`${url}/count`)).text();

  it("keeps what objects stored across deploys and a restart of the runner, until the Worker is deleted", async () => {
    worker = new LocalWorker({ durableObjectsDir: dir, quiet: true });
    let url = await worker.listen();
    await worker.deploy(spec("v1"));
    expect([await count(url), await count(url)]).toEqual(["1", "2"]);
    await worker.deploy(spec("v2"));
    expect(await (await fetch(url)).text()).toBe("v2:true");
    expect(await count(url)).toBe("3");
    // Miniflare's layout: one folder per `${script name}-${class name}`, one SQLite file per object.
    expect(readdirSync(dir)).toEqual(["-Counter"]);

    await worker.close();
    worker = new LocalWorker({ durableObjectsDir: dir, quiet: true });
    url = await worker.listen();
    await worker.deploy(spec("v2"));
    expect(await count(url)).toBe("4");

    await worker.delete();
    expect((await fetch(url)).status).toBe(503);
    expect(existsSync(dir)).toBe(false);
    await worker.deploy(spec("v3"));
    expect(await count(url)).toBe("1");
  });

  it("cuts a stream and a WebSocket that outlive the hand-over, as a reset object does, and serves the new code", async () => {
    worker = new LocalWorker({ durableObjectsDir: dir, quiet: true });
    const url = await worker.listen();
    await worker.deploy(spec("v1"));
    // Uncompressed, so that each write arrives as it is made.
    const stream = await fetch(`${url}/forever`, { headers: { "accept-encoding": "identity" } });
    const reader = stream.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    const ws = new WebSocket(`${url.replace("http", "ws")}/ws`);
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    const closed = new Promise((resolve) => ws.once("close", resolve));

    await worker.deploy(spec("v2"));
    await expect(
      (async () => {
        while (!(await reader.read()).done);
      })(),
    ).rejects.toThrow();
    await closed;
    expect(await (await fetch(url)).text()).toBe("v2:true");
  });

  it("brings the previous code back when the new one fails to start, its objects' storage untouched", async () => {
    worker = new LocalWorker({ durableObjectsDir: dir, quiet: true });
    const url = await worker.listen();
    await worker.deploy(spec("v1"));
    expect(await count(url)).toBe("1");
    const broken = { ...spec("v2"), content: `throw new Error("broken at startup");\n${spec("v2").content}` };
    await expect(worker.deploy(broken)).rejects.toThrow();
    expect(await (await fetch(url)).text()).toBe("v1:true");
    expect(await count(url)).toBe("2");
  });
});

describe("LocalWorker under Cloudflare's upload limits", () => {
  const withVars = (count: number, bytes = 8): WorkerSpec => ({
    ...spec("v1"),
    bindings: Array.from({ length: count }, (_, i) => ({
      type: "plain_text",
      name: `V${i}`,
      text: "x".repeat(bytes - `V${i}`.length),
    })),
  });

  it("refuses an environment variable over 5 KB, name and value together, as an upload would", async () => {
    worker = new LocalWorker();
    const url = await worker.listen();
    await expect(worker.deploy(withVars(1, ENVIRONMENT_VARIABLE_BYTES + 1))).rejects.toThrow(
      /Binding 'V0' \(plain_text\) is 5121 bytes.*\[code: 10021\]$/s,
    );
    // Nothing was started: the address still has no Worker behind it.
    expect((await fetch(url)).status).toBe(503);
    await worker.deploy(withVars(1, ENVIRONMENT_VARIABLE_BYTES));
    expect((await fetch(`${url}/headers`)).status).toBe(200);
  });

  it("refuses more environment variables than the plan allows: 65 on Free, 129 on Paid", async () => {
    worker = new LocalWorker({ plan: "free" });
    await expect(worker.deploy(withVars(65))).rejects.toThrow(/Workers Free plan allows at most 64/);
    await worker.close();
    worker = new LocalWorker({ plan: "paid" });
    await expect(worker.deploy(withVars(129))).rejects.toThrow(/Workers Paid plan allows at most 128/);
    await worker.deploy(withVars(128));
  });

  it("refuses a Worker over 64 MiB with Cloudflare's 10027", async () => {
    worker = new LocalWorker();
    await expect(worker.deploy({ ...spec("v1"), content: "x".repeat(SCRIPT_BYTES + 1) })).rejects.toThrow(
      /exceeded the size limit of 64 MiB.*\[code: 10027\]$/,
    );
  });
});

describe("measureStartup", () => {
  it("measures the CPU time of the Worker's global scope, as wrangler check startup profiles it", async () => {
    const light = await measureStartup(spec("v1"));
    // A global scope that spins for a while: its startup must show it, whatever the machine's speed.
    const heavy = await measureStartup({
      ...spec("v1"),
      content: `let x = 0; for (let i = 0; i < 2e8; i++) x += i % 7; globalThis.spun = x;\n${spec("v1").content}`,
    });
    // Sampled every 0.1 ms: a global scope this small may fall between two samples and read 0.
    expect(light).toBeGreaterThanOrEqual(0);
    expect(heavy).toBeGreaterThan(light + 50);
  });
});
