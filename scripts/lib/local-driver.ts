import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import * as z from "zod";
import { type RotationConfig, rotationSchema } from "#infra/config.ts";
import { ApiSettings } from "#infra/providers/host/api.ts";
import {
  type ApplyOutcome,
  type PlannedChange,
  ROTATION_KEY,
  type StackDriver,
} from "#infra/stack-driver.ts";
import { parseStackOutputs, stackOutputs } from "#infra/stack-outputs.ts";
import {
  ControlClient,
  type ControlServer,
  controlFile,
  readControl,
  type StackInfo,
  serveControl,
  stackInfo,
} from "#local-engine/control.ts";
import { localDeployToken } from "#local-engine/deploy-token.ts";
import { readLocalSecret } from "#local-engine/local-config.ts";
import { previewLocal } from "#local-engine/local-preview.ts";
import { LocalStack, type LocalStackOptions } from "#local-engine/local-stack.ts";

const changes = (steps: { op: string; type: string; name: string }[]): PlannedChange[] =>
  steps.flatMap((s) =>
    s.op === "same" ? [] : [{ op: s.op as PlannedChange["op"], type: s.type, name: s.name }],
  );

/**
 * What a script calls the emulator with: paced and retried as on Cloudflare, with the local stack's
 * deploy token (an emulated account token, local-engine/deploy-token.ts) as read now.
 */
function emulatorClient(apiBase: string, deployToken: string, config: (key: string) => string | undefined) {
  const settings = new ApiSettings("scripts");
  settings.configure({ get: config }, {});
  settings.useEmulator(apiBase, deployToken);
  return settings.client();
}

/**
 * The local engine in this process. The Pulumi runtime the engine evaluates the program with is
 * global, so applies and previews take turns.
 */
export class InProcessLocalDriver implements StackDriver {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly local: LocalStack,
    readonly description: string,
    /** Whether close() stops the stack (it was started for this driver). */
    private readonly owned: boolean,
  ) {}

  get stack(): string {
    return this.local.stack;
  }

  get stateDir(): string {
    return this.local.stateDir;
  }

  private serialize<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  async outputs() {
    return parseStackOutputs(this.local.outputs, this.local.outputsFile);
  }

  preview(): Promise<PlannedChange[]> {
    return this.serialize(() => previewLocal(this.local));
  }

  up(): Promise<ApplyOutcome> {
    return this.serialize(async () => {
      const result = await this.local.apply();
      return { changes: changes(result.steps), outputs: await this.outputs() };
    });
  }

  async rotation(): Promise<RotationConfig> {
    const raw = this.local.config()[ROTATION_KEY];
    return rotationSchema.parse(raw === undefined ? {} : JSON.parse(raw));
  }

  async setRotation(rotation: RotationConfig): Promise<void> {
    this.local.writePatch({ ...this.local.readPatch(), [ROTATION_KEY]: JSON.stringify(rotation) });
  }

  async setSecret(key: string, value: string): Promise<void> {
    this.local.setSecret(key, value);
  }

  async secret(key: string): Promise<string | undefined> {
    return readLocalSecret(this.stateDir, this.stack, key);
  }

  async cloudflareApi() {
    const { emulator } = this.local;
    const config = this.local.config();
    return {
      client: emulatorClient(emulator.apiBase, this.local.deployToken, (key) => config[key]),
      accountId: emulator.accountId,
    };
  }

  info(): StackInfo {
    return {
      stack: this.stack,
      description: `${this.description}, pid ${process.pid}`,
      stateDir: this.stateDir,
      accountId: this.local.emulator.accountId,
      apiBase: this.local.emulator.apiBase,
    };
  }

  async close(): Promise<void> {
    if (this.owned) await this.local.close();
  }
}

/** A local stack another process runs (`npm start`), driven through its control endpoint. */
export class RemoteLocalDriver implements StackDriver {
  private constructor(
    private readonly client: ControlClient,
    private readonly info: StackInfo,
  ) {}

  static async connect(url: string, adminToken: string): Promise<RemoteLocalDriver> {
    const client = new ControlClient(url, adminToken);
    return new RemoteLocalDriver(client, await client.call("GET", "/info", stackInfo));
  }

  get stack() {
    return this.info.stack;
  }
  get stateDir() {
    return this.info.stateDir;
  }
  get description() {
    return this.info.description;
  }

  outputs = () => this.client.call("GET", "/outputs", stackOutputs);
  preview = async () =>
    (await this.client.call("POST", "/preview", z.object({ changes: z.array(plannedChange) }))).changes;
  up = () => this.client.call("POST", "/apply", applyOutcome);
  rotation = () => this.client.call("GET", "/rotation", rotationSchema);
  setRotation = async (rotation: RotationConfig) => {
    await this.client.call("PUT", "/rotation", rotationSchema, rotation);
  };
  setSecret = async (key: string, value: string) => {
    await this.client.call("PUT", "/secrets", z.object({ key: z.string() }), { key, value });
  };
  // The secrets file is the running stack's own, read where it lies, as the deploy token is below.
  secret = async (key: string) => readLocalSecret(this.info.stateDir, this.info.stack, key);
  cloudflareApi = async () => {
    const token = localDeployToken(this.info.stateDir, this.info.stack);
    if (!token)
      throw new Error(`the local stack ${this.info.stack} has no deploy token in ${this.info.stateDir}`);
    return {
      // The stack's own pacing settings stay in the process that runs it: this one paces by the defaults.
      client: emulatorClient(this.info.apiBase, token, () => undefined),
      accountId: this.info.accountId,
    };
  };
  close = async () => {};
}

const plannedChange = z.object({
  op: z.enum(["create", "update", "replace", "delete"]),
  type: z.string(),
  name: z.string(),
  diffs: z.array(z.string()).exactOptional(),
});
const applyOutcome = z.object({ changes: z.array(plannedChange), outputs: stackOutputs });

/** The admin token the emulator of a stack keeps in its state file (git-ignored, mode 0600). */
function adminTokenIn(stateDir: string, stack: string): string | undefined {
  const file = join(stateDir, `${stack}.emulator.json`);
  if (!existsSync(file)) return undefined;
  const data = z
    .object({
      tokens: z.record(z.string(), z.object({ value: z.string(), superAdmin: z.boolean().optional() })),
    })
    .safeParse(JSON.parse(readFileSync(file, "utf8")));
  return data.success ? Object.values(data.data.tokens).find((t) => t.superAdmin)?.value : undefined;
}

export interface OpenLocalOptions
  extends Pick<LocalStackOptions, "stack" | "root" | "stateDir" | "turn" | "media"> {
  /** Called when no running stack was found and one is started in this process. */
  onStart?: () => void;
}

/**
 * The running local stack (`npm start`) when there is one, else one started in this process for
 * as long as the driver is open (close() stops it).
 */
export async function openLocalDriver(options: OpenLocalOptions = {}): Promise<StackDriver> {
  const stack = options.stack ?? "dev";
  const root = resolve(options.root ?? process.cwd());
  const stateDir = options.stateDir ?? join(root, ".realtime-stack", "local");
  const running = readControl(controlFile(stateDir, stack));
  const token = adminTokenIn(stateDir, stack);
  if (running && token) {
    try {
      return await RemoteLocalDriver.connect(`http://127.0.0.1:${running.port}`, token);
    } catch {
      // Recorded but not answering (stopping, or the port was reused): start our own.
    }
  }
  options.onStart?.();
  // Nobody reads the Worker's access log of a stack started for one run; it would only garble --json.
  const local = await LocalStack.start({
    stack,
    root,
    stateDir,
    quietWorker: true,
    ...(options.turn ? { turn: true } : {}),
    ...(options.media ? { media: true } : {}),
  });
  return new InProcessLocalDriver(local, `local stack ${stack} (started for this run)`, true);
}

/** What `npm start` adds to its stack: the control endpoint other processes find it by. */
export function serveLocalControl(local: LocalStack): Promise<ControlServer> {
  const driver = new InProcessLocalDriver(local, `local stack ${local.stack} (npm start)`, false);
  return serveControl({ driver, info: driver.info(), adminToken: local.emulator.adminToken });
}
