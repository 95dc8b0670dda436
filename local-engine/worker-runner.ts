import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { connect, type Socket } from "node:net";
import type { Duplex, Readable } from "node:stream";
import { Miniflare } from "miniflare";
import type { Plan } from "#emulator/core/config.ts";
import {
  type EnvironmentVariable,
  environmentVariableRefusal,
  scriptSizeRefusal,
} from "#emulator/services/workers/limits.ts";
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
  if (refusal) throw new Error(`the local Worker cannot start: ${refusal.message} [code: ${refusal.code}]`);
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
    // Miniflare's assets router, as wrangler dev runs it: a request that matches a file gets the
    // file, anything else goes to the Worker (Cloudflare's default without `run_worker_first`).
    ...(spec.assetsDirectory
      ? { assets: { directory: spec.assetsDirectory, routerConfig: { has_user_worker: true } } }
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

interface Generation {
  mf: Miniflare;
  target: URL;
  inFlight: number;
  drained?: () => void;
}

/**
 * The local stand-in for a deployed Worker: a stable address whose traffic goes to the current
 * workerd instance. A deploy starts the new instance, switches traffic once it answers, then stops
 * the old one after its in-flight requests finish — no request sees a half-deployed Worker.
 */
export class LocalWorker {
  private server?: Server;
  private current: Generation | undefined;
  url = "";

  constructor(
    private readonly options: {
      host?: string;
      port?: number;
      quiet?: boolean;
      /** Whose limits apply (subrequests per invocation, environment variables): Paid by default. */
      plan?: Plan;
    } = {},
  ) {}

  async listen(): Promise<string> {
    const server = createServer((req, res) => this.forward(req, res));
    server.on("upgrade", (req, socket, head) => this.forwardUpgrade(req, socket, head));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.options.port ?? 0, this.options.host ?? "127.0.0.1", resolve);
    });
    this.server = server;
    const { port } = server.address() as AddressInfo;
    this.url = `http://${this.options.host ?? "127.0.0.1"}:${port}`;
    return this.url;
  }

  async deploy(spec: WorkerSpec): Promise<void> {
    const mf = new Miniflare(miniflareOptions(spec, this.options.quiet ?? false, this.options.plan));
    const target = await mf.ready;
    const previous = this.current;
    this.current = { mf, target, inFlight: 0 };
    if (previous) await this.retire(previous);
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

  async close(): Promise<void> {
    const server = this.server;
    if (server) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
    if (this.current) await this.current.mf.dispose();
    this.current = undefined;
  }

  private async retire(gen: Generation): Promise<void> {
    if (gen.inFlight > 0) await new Promise<void>((resolve) => (gen.drained = resolve));
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
    const gen = this.acquire(res);
    if (!gen) {
      res.writeHead(503, { "content-type": "text/plain" }).end("no Worker deployed yet");
      return;
    }
    const upstream = httpRequest(
      {
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
      },
    );
    upstream.on("error", () => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
      res.end("the local Worker did not answer");
    });
    req.pipe(upstream);
  }

  private forwardUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
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
