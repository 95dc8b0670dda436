import { mkdtempSync, rmSync } from "node:fs";
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Duplex, Readable } from "node:stream";
import { Miniflare } from "miniflare";
import type { Plan } from "#emulator/core/config.ts";
import {
  type EnvironmentVariable,
  environmentVariableRefusal,
  type Refusal,
  scriptSizeRefusal,
} from "#emulator/services/workers/limits.ts";
import { isRefusal, staticRouting } from "#emulator/services/workers/static-routing.ts";
import { guardedCompatibilityFlags, guardedModules } from "./invocation-limits/modules.ts";

/** A binding as the Pulumi program declares it on `WorkersScript` (the provider's camelCase). */
export interface DeclaredBinding {
  type: string;
  name: string;
  text?: string;
  json?: string;
  className?: string;
}

/** The Worker as the program declared it: code, compatibility, bindings and static assets. */
export interface WorkerSpec {
  content: string;
  mainModule: string;
  compatibilityDate: string;
  compatibilityFlags: string[];
  bindings: DeclaredBinding[];
  /** The static assets directory (`WorkersScript.assets.directory`), served before the Worker. */
  assetsDirectory?: string;
  /** `WorkersScript.assets.config.runWorkerFirst`: which requests skip the asset lookup. */
  runWorkerFirst?: boolean | string[];
}

/** Stops the start as Cloudflare's upload would be refused, with its message and code. */
function cannotStart(refusal: Refusal): never {
  throw new Error(`the local Worker cannot start: ${refusal.message} [code: ${refusal.code}]`);
}

/**
 * Miniflare's assets router set as wrangler dev sets it from `run_worker_first`
 * (wrangler's `getAssetsOptions`). `true` sends every request to the Worker first. A list, split
 * and checked as Cloudflare does it (the emulator's static-routing.ts), sends the paths its rules
 * match, and a `!/` rule keeps a path on the assets. A list Cloudflare would refuse stops the
 * start. Without it, a request that matches a file gets the file and anything else goes to the
 * Worker, which is Cloudflare's default.
 */
function assetsRouterConfig(runWorkerFirst: WorkerSpec["runWorkerFirst"]) {
  if (!Array.isArray(runWorkerFirst)) {
    return { has_user_worker: true, invoke_user_worker_ahead_of_assets: runWorkerFirst === true };
  }
  const routing = staticRouting(runWorkerFirst);
  if (isRefusal(routing)) cannotStart(routing);
  return { has_user_worker: true, static_routing: routing };
}

/** Drops what the Worker prints (its access log): for runs whose stdout is a report, or a benchmark's. */
export const QUIET = {
  handleStructuredLogs: () => {},
  handleRuntimeStdio: (stdout: Readable, stderr: Readable) => {
    stdout.resume();
    stderr.resume();
  },
};

/**
 * The declared Worker must fit what Cloudflare takes at upload, as the emulator's Workers API checks
 * it: its environment variables (size and count for the plan) and its size. Refused like an upload,
 * with Cloudflare's message and code, so that the runner never runs what Cloudflare refuses.
 */
function checkUploadLimits(spec: WorkerSpec, plan: Plan): void {
  const vars = spec.bindings.flatMap((b): EnvironmentVariable[] => {
    if (b.type === "plain_text" || b.type === "secret_text") {
      return [{ name: b.name, type: b.type, value: b.text ?? "" }];
    }
    return b.type === "json" ? [{ name: b.name, type: "json", value: b.json ?? "null" }] : [];
  });
  const refusal =
    scriptSizeRefusal(Buffer.byteLength(spec.content)) ?? environmentVariableRefusal(vars, plan);
  if (refusal) cannotStart(refusal);
}

/**
 * workerd's options for the declared Worker under `plan`'s limits: the program's module runs
 * unchanged behind a guard that counts each invocation's subrequests (invocation-limits/).
 */
export function miniflareOptions(spec: WorkerSpec, quiet: boolean, plan: Plan = "paid") {
  checkUploadLimits(spec, plan);
  const bindings: Record<string, unknown> = {};
  const durableObjects: Record<string, string> = {};
  for (const b of spec.bindings) {
    if (b.type === "plain_text" || b.type === "secret_text") bindings[b.name] = b.text ?? "";
    else if (b.type === "json") bindings[b.name] = JSON.parse(b.json ?? "null");
    else if (b.type === "durable_object_namespace" && b.className) durableObjects[b.name] = b.className;
    else throw new Error(`the local Worker cannot bind ${b.type} (${b.name})`);
  }
  return {
    modules: guardedModules({ ...spec, durableObjects }, plan),
    compatibilityDate: spec.compatibilityDate,
    compatibilityFlags: guardedCompatibilityFlags(spec.compatibilityFlags),
    bindings,
    durableObjects,
    ...(spec.assetsDirectory
      ? {
          assets: {
            directory: spec.assetsDirectory,
            routerConfig: assetsRouterConfig(spec.runWorkerFirst),
          },
        }
      : {}),
    host: "127.0.0.1",
    port: 0,
    ...(quiet ? QUIET : {}),
  };
}

/** Miniflare's `Fetcher.scheduled`, which runs a Worker's cron handler. */
interface ScheduledFetcher {
  scheduled(options: { cron: string }): Promise<{ outcome: string }>;
}

/** What one generation is started from: kept, so that a failed deploy can bring the previous code back. */
type GenerationOptions = ReturnType<typeof miniflareOptions> & { durableObjectsPersist: string };

interface Generation {
  mf: Miniflare;
  target: URL;
  options: GenerationOptions;
  inFlight: number;
  drained?: () => void;
}

/**
 * How long a retiring generation's requests may run on before it stops. Short requests finish on
 * the code they started with; event streams and WebSockets are cut, as a reset object cuts them.
 */
const DRAIN_MS = 2_000;

export interface LocalWorkerOptions {
  host?: string;
  port?: number;
  quiet?: boolean;
  /** Whose limits apply (subrequests per invocation, environment variables): Paid by default. */
  plan?: Plan;
  /**
   * Where the Worker's Durable Object storage is kept, across deploys and restarts of the runner,
   * until `delete()`. Without it, a temporary folder that lasts as long as the runner.
   */
  durableObjectsDir?: string;
}

/**
 * Each request reaches workerd on a connection of its own. A kept-alive connection may be closed
 * by workerd at the moment the proxy sends the next request on it, which the proxy could only
 * answer with a 502 that Cloudflare's edge would never give (a smoke check once met one). A
 * loopback connect costs far less than that.
 */
const ONE_CONNECTION_PER_REQUEST = new Agent({ keepAlive: false });

/**
 * The local stand-in for a deployed Worker: a stable address whose traffic goes to the current
 * workerd instance. A deploy starts a new instance on the same Durable Object storage; requests
 * that arrive meanwhile wait for it, and none sees a half-deployed Worker.
 */
export class LocalWorker {
  private server: Server | undefined;
  private current: Generation | undefined;
  /** Set while one generation hands over to the next: requests wait for it. */
  private held: Promise<void> | undefined;
  /** Deploys, deletes and closes, one at a time. */
  private queue: Promise<unknown> = Promise.resolve();
  private temporaryStorage: string | undefined;
  url = "";

  constructor(private readonly options: LocalWorkerOptions = {}) {}

  /** Listens on the configured port, or, once closed, on the port it had, as a restarted runner does. */
  async listen(): Promise<string> {
    const server = createServer((req, res) => this.forward(req, res));
    server.on("upgrade", (req, socket, head) => this.forwardUpgrade(req, socket, head));
    const host = this.options.host ?? "127.0.0.1";
    const port = this.url ? Number(new URL(this.url).port) : (this.options.port ?? 0);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, resolve);
    });
    this.server = server;
    this.url = `http://${host}:${(server.address() as AddressInfo).port}`;
    return this.url;
  }

  /** Where the objects' storage is, as Miniflare lays it out: `<dir>/<script name>-<class name>/<object id>.sqlite`. */
  get durableObjectsDir(): string {
    if (this.options.durableObjectsDir) return this.options.durableObjectsDir;
    this.temporaryStorage ??= mkdtempSync(join(tmpdir(), "local-worker-objects-"));
    return this.temporaryStorage;
  }

  async deploy(spec: WorkerSpec): Promise<void> {
    // Miniflare's `durableObjectsPersist` (developers.cloudflare.com/workers/testing/miniflare/storage/
    // durable-objects; miniflare 4's DURABLE_OBJECTS_PLUGIN): a path keeps each object's SQLite file
    // there, under its namespace's `uniqueKey`, `${name}-${className}`, which also seeds `idFromName`,
    // so the same code finds the same objects. Without it, storage is a folder deleted at `dispose()`.
    const options: GenerationOptions = {
      ...miniflareOptions(spec, this.options.quiet ?? false, this.options.plan),
      durableObjectsPersist: this.durableObjectsDir,
    };
    await this.serialized(() => this.handOver(options));
  }

  /** Runs the Worker's `scheduled` handler once, as a cron trigger would. */
  async runScheduled(cron: string): Promise<void> {
    if (!this.current) return;
    // The Worker itself, not Miniflare's entry: with static assets that is the assets router.
    // Its Fetcher type comes from workers-types, which the Node side does not load: the one method used.
    const worker = (await this.current.mf.getWorker()) as unknown as ScheduledFetcher;
    const { outcome } = await worker.scheduled({ cron });
    if (outcome !== "ok") throw new Error(`the Worker's scheduled handler failed: ${outcome}`);
  }

  /**
   * Stops the runner: the address refuses connections and workerd exits. The objects' storage stays
   * for the next runner on the same folder, unless it was a temporary one.
   */
  close(): Promise<void> {
    return this.serialized(async () => {
      const server = this.server;
      this.server = undefined;
      if (server) {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      }
      await this.current?.mf.dispose();
      this.current = undefined;
      if (this.temporaryStorage) rmSync(this.temporaryStorage, { recursive: true, force: true });
      this.temporaryStorage = undefined;
    });
  }

  /**
   * Deletes the Worker as `DELETE /accounts/:id/workers/scripts/:name` does, which deletes its
   * Durable Objects along with it (Cloudflare API reference, "Delete Worker", `force`): the address
   * answers that no Worker is deployed, and every object's storage is gone.
   */
  delete(): Promise<void> {
    return this.serialized(async () => {
      const gen = this.current;
      this.current = undefined;
      if (gen) await this.retire(gen);
      rmSync(this.durableObjectsDir, { recursive: true, force: true });
    });
  }

  /**
   * On Cloudflare an object runs in one place at a time and keeps its storage across deploys; a
   * running object resets and then runs the new code (docs/reference/cloudflare-api.md §6.5,
   * developers.cloudflare.com/durable-objects/deployments/durable-objects-code-updates). Locally each
   * generation is a workerd process, and workerd opens the storage folder's alarm index
   * (`metadata.sqlite`) when it starts and each object's SQLite file on first use, so two generations
   * must never run at once: new requests wait, the old generation finishes its requests in flight
   * (up to DRAIN_MS) and stops, and only then does the new one start on the same storage and take
   * the waiting requests. So every object resets at the deploy, as with Cloudflare's `immediate`
   * code update mode rather than its deferred default, and requests wait out the new generation's
   * start-up. A generation that fails to start brings the previous code back, as Cloudflare keeps
   * the deployed version when an upload fails.
   */
  private async handOver(options: GenerationOptions): Promise<void> {
    let release!: () => void;
    this.held = new Promise<void>((resolve) => (release = resolve));
    const previous = this.current;
    try {
      if (previous) await this.retire(previous);
      try {
        this.current = await this.start(options);
      } catch (error) {
        this.current = previous && (await this.start(previous.options));
        throw error;
      }
    } finally {
      this.held = undefined;
      release();
    }
  }

  private async start(options: GenerationOptions): Promise<Generation> {
    const mf = new Miniflare(options);
    try {
      return { mf, target: await mf.ready, options, inFlight: 0 };
    } catch (error) {
      await mf.dispose().catch(() => {});
      throw error;
    }
  }

  private serialized<T>(step: () => Promise<T>): Promise<T> {
    const run = this.queue.then(step);
    this.queue = run.catch(() => {});
    return run;
  }

  private async retire(gen: Generation): Promise<void> {
    if (gen.inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, DRAIN_MS);
        gen.drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    await gen.mf.dispose();
  }

  private acquire(res: { once(event: "close", fn: () => void): unknown }): Generation | undefined {
    const gen = this.current;
    if (!gen) return undefined;
    gen.inFlight += 1;
    res.once("close", () => {
      gen.inFlight -= 1;
      if (gen.inFlight === 0) gen.drained?.();
    });
    return gen;
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    if (req.url?.startsWith("/cdn-cgi/")) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    if (this.held) {
      void this.held.then(() => {
        if (!res.destroyed) this.forward(req, res);
      });
      return;
    }
    const gen = this.acquire(res);
    if (!gen) {
      res.writeHead(503, { "content-type": "text/plain" }).end("no Worker deployed yet");
      return;
    }
    const upstream = httpRequest(
      {
        agent: ONE_CONNECTION_PER_REQUEST,
        host: gen.target.hostname,
        port: gen.target.port,
        method: req.method,
        path: req.url,
        // Every header line as sent, repeats included, as Cloudflare's edge hands them to a Worker:
        // Node's header map keeps only the first of some (Authorization among them) and would
        // turn an ambiguous request into a plausible one.
        headers: req.rawHeaders,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
        // A generation that stops mid-response (a stream cut at a deploy) ends the client's connection too.
        up.once("close", () => {
          if (!up.complete) res.destroy();
        });
      },
    );
    upstream.on("error", () => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
      res.end("the local Worker did not answer");
    });
    req.pipe(upstream);
  }

  private forwardUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.held) {
      void this.held.then(() => {
        if (!socket.destroyed) this.forwardUpgrade(req, socket, head);
      });
      return;
    }
    const gen = this.acquire(socket);
    if (!gen) {
      socket.end("HTTP/1.1 503 Service Unavailable\r\n\r\n");
      return;
    }
    const upstream: Socket = connect(Number(gen.target.port), gen.target.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2)
        lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstream.write(`${lines.join("\r\n")}\r\n\r\n`);
      if (head.length > 0) upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    const end = () => {
      upstream.destroy();
      socket.destroy();
    };
    upstream.on("error", end);
    socket.on("error", end);
  }
}
