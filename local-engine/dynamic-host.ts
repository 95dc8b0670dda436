import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { Props } from "./provider.ts";

const pulumiDir = dirname(createRequire(import.meta.url).resolve("@pulumi/pulumi/package.json"));
// The gRPC stubs and runtime the host itself uses, so that both ends speak one protocol version.
const fromPulumi = createRequire(join(pulumiDir, "package.json"));
const grpc = fromPulumi("@grpc/grpc-js") as typeof import("@grpc/grpc-js");
const { Struct } = fromPulumi("google-protobuf/google/protobuf/struct_pb.js") as {
  Struct: { fromJavaScript(o: Props): unknown };
};
const proto = fromPulumi("./proto/provider_pb.js") as Record<string, new () => ProtoMessage>;
const { ResourceProviderClient } = fromPulumi("./proto/provider_grpc_pb.js") as {
  ResourceProviderClient: new (address: string, credentials: unknown) => Record<string, GrpcMethod>;
};

/** Pulumi's own program for dynamic resources, the one `pulumi-resource-pulumi-nodejs` starts. */
export const DYNAMIC_PROVIDER_HOST = join(pulumiDir, "cmd", "dynamic-provider", "index.js");

const EXIT_WITH_PARENT = fileURLToPath(new URL("./exit-with-parent.cjs", import.meta.url));

type ProtoMessage = Record<string, (...args: unknown[]) => unknown>;
type GrpcMethod = (req: unknown, cb: (err: Error | null, res: ProtoMessage) => void) => void;

/** Struct refuses `undefined`; Pulumi's wire form simply omits such properties. */
function defined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(defined);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, defined(v)]),
    );
  }
  return value;
}

const struct = (props: Props) => Struct.fromJavaScript(defined(props) as Props);
const plain = (s: unknown) => (s ? (s as { toJavaScript(): Props }).toJavaScript() : {});

export interface DiffResult {
  changes: "none" | "some" | "unknown";
  replaces: string[];
  deleteBeforeReplace: boolean;
}

export interface HostOptions {
  cwd: string;
  project: string;
  stack: string;
}

/**
 * A running `@pulumi/pulumi/cmd/dynamic-provider`, driven over Pulumi's ResourceProvider gRPC
 * interface exactly as the Pulumi engine drives it: the provider code each call runs is the one
 * serialized in the properties it is sent (`__provider`).
 */
export class DynamicProviderHost {
  private constructor(
    private readonly child: ChildProcess,
    private readonly client: Record<string, GrpcMethod>,
  ) {}

  /** Starts the host and waits for the port it prints. `cwd` is where Pulumi would start it (plugin-folder.ts). */
  static async start(options: HostOptions): Promise<DynamicProviderHost> {
    const child = spawn(
      process.execPath,
      ["--require", EXIT_WITH_PARENT, DYNAMIC_PROVIDER_HOST, "127.0.0.1:0"],
      {
        cwd: options.cwd,
        env: { ...process.env, PULUMI_NODEJS_PROJECT: options.project, PULUMI_NODEJS_STACK: options.stack },
        // stdin stays open for the host's life: its end is how the host learns that the engine is gone.
        stdio: ["pipe", "pipe", "pipe"],
      },
    );
    const stderr: string[] = [];
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
      stderr.push(chunk);
      if (stderr.length > 50) stderr.shift();
    });
    const port = await new Promise<number>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout! });
      lines.once("line", (line) => resolve(Number(line.trim())));
      child.once("error", reject);
      child.once("exit", (code) =>
        reject(new Error(`the dynamic-provider host exited (${code}) before listening: ${stderr.join("")}`)),
      );
    });
    const client = new ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    return new DynamicProviderHost(child, client);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Whether the process still runs (a host kept waiting may have been ended meanwhile). */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Whether this host keeps the engine's process alive. A host started ahead for a later run
   * does not (its pipes are unreferenced); the run that takes it references them again.
   */
  keepsProcessAlive(keep: boolean): void {
    // The stdio pipes are sockets (net.Socket), though typed as plain streams.
    type Handle = { ref(): void; unref(): void } | null;
    const { stdin, stdout, stderr } = this.child;
    for (const handle of [this.child, stdin, stdout, stderr] as Handle[]) {
      if (keep) handle?.ref();
      else handle?.unref();
    }
  }

  /** One RPC: each field is set with its setter (`Urn` → `setUrn`), property bags as Structs. */
  private call(method: string, requestType: string, fields: Record<string, unknown>): Promise<ProtoMessage> {
    const req = new proto[requestType]!() as ProtoMessage;
    for (const [field, value] of Object.entries(fields)) {
      const isBag = typeof value === "object" && value !== null;
      req[`set${field}`]!(isBag ? struct(value as Props) : value);
    }
    return new Promise((resolve, reject) =>
      this.client[method]!.call(this.client, req, (err, res) => {
        if (err) reject(new Error((err as { details?: string }).details || err.message));
        else resolve(res);
      }),
    );
  }

  /** The stack's whole config, as the engine hands it to dynamic providers (pulumi/pulumi#17229, #17697). */
  async configure(config: Record<string, string>): Promise<void> {
    await this.call("configure", "ConfigureRequest", { Args: config, Acceptsecrets: false });
  }

  async check(
    urn: string,
    olds: Props,
    news: Props,
  ): Promise<{ inputs: Props; failures: { property: string; reason: string }[] }> {
    const res = await this.call("check", "CheckRequest", { Urn: urn, Olds: olds, News: news });
    const failures = (res.getFailuresList!() as ProtoMessage[]).map((f) => ({
      property: String(f.getProperty!()),
      reason: String(f.getReason!()),
    }));
    return { inputs: plain(res.getInputs!()), failures };
  }

  async diff(urn: string, id: string, olds: Props, news: Props, oldInputs: Props): Promise<DiffResult> {
    const fields = { Urn: urn, Id: id, Olds: olds, News: news, OldInputs: oldInputs };
    const res = await this.call("diff", "DiffRequest", fields);
    // DiffResponse.DiffChanges: 0 unknown, 1 none, 2 some.
    const changes = (["unknown", "none", "some"] as const)[Number(res.getChanges!())] ?? "unknown";
    return {
      changes,
      replaces: res.getReplacesList!() as string[],
      deleteBeforeReplace: Boolean(res.getDeletebeforereplace!()),
    };
  }

  async create(urn: string, properties: Props): Promise<{ id: string; outputs: Props }> {
    const res = await this.call("create", "CreateRequest", { Urn: urn, Properties: properties });
    return { id: String(res.getId!()), outputs: plain(res.getProperties!()) };
  }

  /** An empty id back means the object no longer exists. */
  async read(
    urn: string,
    id: string,
    properties: Props,
    inputs: Props,
  ): Promise<{ id: string; outputs: Props; inputs?: Props }> {
    const fields = { Urn: urn, Id: id, Properties: properties, Inputs: inputs };
    const res = await this.call("read", "ReadRequest", fields);
    const returned = res.getInputs!();
    return {
      id: String(res.getId!()),
      outputs: plain(res.getProperties!()),
      ...(returned ? { inputs: plain(returned) } : {}),
    };
  }

  async update(urn: string, id: string, olds: Props, news: Props, oldInputs: Props): Promise<Props> {
    const fields = { Urn: urn, Id: id, Olds: olds, News: news, OldInputs: oldInputs };
    return plain((await this.call("update", "UpdateRequest", fields)).getProperties!());
  }

  async delete(urn: string, id: string, properties: Props, oldInputs: Props): Promise<void> {
    const fields = { Urn: urn, Id: id, Properties: properties, OldInputs: oldInputs };
    await this.call("delete", "DeleteRequest", fields);
  }

  async close(): Promise<void> {
    (this.client as unknown as { close(): void }).close();
    if (!this.running) return;
    // A spare's pipes are unreferenced: without this, an engine whose last work is closing it
    // would have nothing keeping it alive while it waits, and Node would end it mid-await (13).
    this.keepsProcessAlive(true);
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.kill();
    await exited;
  }
}
