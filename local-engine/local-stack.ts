import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Plan } from "#emulator/core/config.ts";
import { writePrivateFile } from "#emulator/core/private-file.ts";
import { type RunningEmulator, startEmulator } from "#emulator/server.ts";
import { CloudflareRest } from "#infra/cloudflare-rest.ts";
import { WORKERS_CRON_TRIGGER, WORKERS_SCRIPT } from "#infra/type-tokens.ts";
import { ensureDeployToken, localDeployToken } from "./deploy-token.ts";
import {
  type ApplyOptions,
  type ApplyResult,
  applyProgram,
  destroyState,
  type EngineOptions,
  refreshState,
  type Step,
} from "./engine.ts";
import { type ConfigMap, localConfig, PROJECT, readStackConfig, writeLocalSecret } from "./local-config.ts";
import { pluginFolder } from "./plugin-folder.ts";
import { closeSpareHosts } from "./spare-hosts.ts";
import type { RecordedResource } from "./state-file.ts";
import { onPath, toolPath } from "./system-tools.ts";
import { type LocalTurn, startLocalTurn } from "./turn/coturn.ts";
import { LocalWorker, type WorkerSpec } from "./worker-runner.ts";
import { measureStartup } from "./worker-startup.ts";

/**
 * The bridged provider's calls retry as its client does: terraform-provider-cloudflare sets no
 * `WithMaxRetries` (internal/provider.go), so cloudflare-go's default of 2 retries with a short
 * backoff applies, to connection errors among others. Unlike the SDK, a create that may have been
 * carried out is not sent again (infra/cloudflare-rest.ts).
 */
const BRIDGED_PROVIDER_RETRY = { deadlineMs: 60_000, maxAttempts: 3 };

/** Where a preview applies instead of the running stack: a throwaway emulator and a copy of the engine's state. */
export interface PreviewSandbox {
  apiBase: string;
  stateFile: string;
}

export interface LocalStackOptions {
  stack?: string;
  /** The repository root (where Pulumi.<stack>.yaml lives). */
  root?: string;
  /** Defaults to `<root>/.realtime-stack/local`. */
  stateDir?: string;
  /** 0 picks a free port. */
  emulatorPort?: number;
  workerPort?: number;
  /** Start from nothing: forget the emulator's and the engine's state. */
  reset?: boolean;
  /** Start a local coturn (behind the revocation gate) so that TURN credentials work for real. */
  turn?: boolean;
  /** Drop the Worker's console output (its access log), e.g. when stdout carries a JSON report. */
  quietWorker?: boolean;
  /**
   * Whose Workers limits the emulator and the local Worker apply (docs/limits.md): Paid by default,
   * `free` to see which limit a Free account hits first.
   */
  plan?: Plan;
  /**
   * Run the emulator's media plane: RTMP/RTMPS, SRT and WHIP ingest into the live inputs, HLS, DASH
   * and WHEP playback, with the system's ffmpeg and openssl (each feature that lacks one is off).
   */
  media?: boolean;
  /**
   * Config values laid over `Pulumi.<stack>.yaml` from the first apply on (e.g. a scaled tenant
   * list), kept in the local patch file beside the state as rotation's changes are.
   */
  configPatch?: ConfigMap;
  onStep?: (step: Step) => void;
}

/**
 * One environment on one machine: the emulator standing in for Cloudflare, the real Pulumi program
 * applied to it by the local engine, and the Worker it declares running in workerd.
 */
export class LocalStack {
  private deployedHash = "";
  private deployedSpec: WorkerSpec | undefined;
  private cronTimer?: NodeJS.Timeout;
  private cron: string | undefined;
  outputs: Record<string, unknown> = {};
  /** Where Pulumi would start the provider host (Pulumi.yaml's main), read once. */
  private readonly pluginCwd: string;

  private constructor(
    readonly stack: string,
    readonly root: string,
    readonly stateDir: string,
    readonly emulator: RunningEmulator,
    readonly worker: LocalWorker,
    readonly turn: LocalTurn | undefined,
    readonly plan: Plan,
    private readonly onStep?: (step: Step) => void,
  ) {
    this.pluginCwd = pluginFolder(root);
  }

  static async start(options: LocalStackOptions = {}): Promise<LocalStack> {
    const stack = options.stack ?? "dev";
    const root = resolve(options.root ?? process.cwd());
    const stateDir = options.stateDir ?? join(root, ".realtime-stack", "local");
    const plan = options.plan ?? "paid";
    if (options.reset) rmSync(stateDir, { recursive: true, force: true });
    mkdirSync(stateDir, { recursive: true });
    // The Worker's bindings hold the emulator's URL: the same ports across runs keep them unchanged.
    const portsFile = join(stateDir, `${stack}.ports.json`);
    const lastPorts: { emulator?: number; worker?: number } = existsSync(portsFile)
      ? JSON.parse(readFileSync(portsFile, "utf8"))
      : {};
    const emulator = await withPort(options.emulatorPort, lastPorts.emulator, (port) =>
      startEmulator({
        port,
        stateFile: join(stateDir, `${stack}.emulator.json`),
        config: { plan },
        ...(options.media ? { media: mediaTools() } : {}),
      }),
    );
    const turn = options.turn
      ? await startTurnFor(emulator).catch(async (e) => {
          await emulator.close();
          throw e;
        })
      : undefined;
    const worker = await withPort(options.workerPort, lastPorts.worker, async (port) => {
      const w = new LocalWorker({
        port,
        plan,
        // Cloudflare keeps a Worker's Durable Objects across deploys; locally, across restarts too.
        durableObjectsDir: join(stateDir, `${stack}.durable-objects`),
        ...(options.quietWorker ? { quiet: true } : {}),
      });
      await w.listen();
      return w;
    });
    writeFileSync(
      portsFile,
      JSON.stringify({
        emulator: Number(new URL(emulator.url).port),
        worker: Number(new URL(worker.url).port),
      }),
    );
    const local = new LocalStack(stack, root, stateDir, emulator, worker, turn, plan, options.onStep);
    if (options.configPatch) local.writePatch({ ...local.readPatch(), ...options.configPatch });
    try {
      await ensureDeployToken(emulator, stateDir, stack);
      await local.apply();
    } catch (e) {
      await local.close();
      throw e;
    }
    return local;
  }

  get engineStateFile(): string {
    return join(this.stateDir, `${this.stack}.json`);
  }

  /** Local config changes (e.g. rotation), kept beside the state so that Pulumi.<stack>.yaml stays untouched. */
  get patchFile(): string {
    return join(this.stateDir, `${this.stack}.config.json`);
  }

  get outputsFile(): string {
    return join(this.stateDir, "outputs.json");
  }

  readPatch(): ConfigMap {
    return existsSync(this.patchFile) ? JSON.parse(readFileSync(this.patchFile, "utf8")) : {};
  }

  writePatch(patch: ConfigMap): void {
    writeFileSync(this.patchFile, JSON.stringify(patch, null, 2));
  }

  /** A secret config value for the next apply, kept with the secrets generated for `secure:` values. */
  setSecret(key: string, value: string): void {
    writeLocalSecret(this.stateDir, this.stack, key, value);
  }

  /**
   * The emulated account token the stack deploys with, as `cloudflare:apiToken` holds it: read at
   * each use, so that a roll stored with `setSecret` is what the next call sends.
   */
  get deployToken(): string {
    const token = localDeployToken(this.stateDir, this.stack);
    if (!token) throw new Error(`the local stack ${this.stack} has no deploy token in its secrets file`);
    return token;
  }

  /** The config the next apply uses. */
  config(): ConfigMap {
    return localConfig(
      readStackConfig(this.root, this.stack, this.stateDir),
      {
        accountId: this.emulator.accountId,
        apiBase: this.emulator.apiBase,
        realtimeApiBase: this.emulator.realtimeBase,
        apiToken: this.deployToken,
        plan: this.plan,
      },
      this.readPatch(),
    );
  }

  /**
   * Evaluates the program against the emulator and applies the difference, then deploys the
   * Worker it declares when its code or bindings changed. Same semantics as `pulumi up`.
   */
  async apply(): Promise<ApplyResult> {
    const result = await applyProgram(this.applyOptions());
    await this.deployWorker(Object.values(result.state.resources));
    this.outputs = { ...result.outputs, workerUrl: this.worker.url, emulatorUrl: this.emulator.url };
    writePrivateFile(this.outputsFile, JSON.stringify(this.outputs, null, 2));
    return result;
  }

  /**
   * `pulumi refresh`: reads every resource the stack's own providers manage back from the
   * emulator, as the next apply would compare against it. Same semantics as the engine's.
   */
  refresh(): Promise<Step[]> {
    return refreshState(this.engineOptions());
  }

  /**
   * What an apply of this stack runs: the program, and the engine's options. A preview passes the
   * throwaway emulator it applies to and a copy of the state (local-preview.ts).
   */
  applyOptions(sandbox?: PreviewSandbox): ApplyOptions {
    const program = pathToFileURL(join(this.root, "infra", "index.ts")).href;
    return { ...this.engineOptions(sandbox), program: async () => (await import(program)).default() };
  }

  /**
   * What every engine run of this stack starts from: its config, its bridged provider's client, its
   * state file, and the folder where Pulumi starts the provider host, which a preview shares with
   * the applies (and so takes the host started ahead for the next run).
   */
  private engineOptions(sandbox?: PreviewSandbox): EngineOptions {
    const config = this.config();
    return {
      project: PROJECT,
      stack: this.stack,
      config,
      // In a preview the program keeps the running emulator's URLs (they are in the Worker's
      // bindings), and the providers act on the sandbox, with the stack's deploy token as `up`
      // does: the sandbox's state is a copy of the running emulator's, that token included.
      ...(sandbox ? { providerConfig: { ...config, "realtime-stack:apiBase": sandbox.apiBase } } : {}),
      api: new CloudflareRest({
        baseUrl: sandbox?.apiBase ?? this.emulator.apiBase,
        token: this.deployToken,
        retry: BRIDGED_PROVIDER_RETRY,
      }),
      stateFile: sandbox?.stateFile ?? this.engineStateFile,
      cwd: this.pluginCwd,
      // A preview's steps are not progress of the running stack.
      ...(this.onStep && !sandbox ? { onStep: this.onStep } : {}),
    };
  }

  private async deployWorker(resources: RecordedResource[]): Promise<void> {
    const script = resources.find((r) => r.type === WORKERS_SCRIPT);
    if (!script) throw new Error("the program declares no WorkersScript: nothing to run");
    const spec = declaredWorkerSpec(script.inputs);
    const hash = createHash("sha256").update(JSON.stringify(spec)).digest("hex");
    if (hash !== this.deployedHash) {
      await this.worker.deploy(spec);
      this.deployedHash = hash;
      this.deployedSpec = spec;
    }
    const cron = resources.find((r) => r.type === WORKERS_CRON_TRIGGER)?.inputs.schedules as
      | { cron: string }[]
      | undefined;
    this.scheduleCron(cron?.[0]?.cron);
  }

  /**
   * The running Worker's startup time, measured as `wrangler check startup` profiles it
   * (worker-startup.ts), for benches to set beside Cloudflare's 1-second limit.
   */
  async measureWorkerStartup(): Promise<number> {
    if (!this.deployedSpec) throw new Error("no Worker is deployed yet");
    return measureStartup(this.deployedSpec);
  }

  /**
   * `pulumi destroy`: every resource in the state deleted from the emulator, newest first, then the
   * Worker's runner emptied as deleting the script empties it on Cloudflare, its Durable Objects'
   * storage deleted with it (LocalWorker.delete). The emulator and the address keep running.
   */
  async destroy(): Promise<Step[]> {
    const steps = await destroyState(this.engineOptions());
    this.scheduleCron(undefined);
    await this.worker.delete();
    this.deployedHash = "";
    this.deployedSpec = undefined;
    return steps;
  }

  /**
   * Stops the Worker's runner, as stopping `npm start` stops it: its address refuses connections,
   * and its Durable Objects' storage stays in the state folder for `startWorker`.
   */
  async stopWorker(): Promise<void> {
    clearInterval(this.cronTimer);
    await this.worker.close();
  }

  /** Starts the runner again on the same address, with the code last deployed and the storage as it was left. */
  async startWorker(): Promise<void> {
    await this.worker.listen();
    if (this.deployedSpec) await this.worker.deploy(this.deployedSpec);
    this.scheduleCron(this.cron);
  }

  /** Cloudflare runs cron triggers; locally a timer does, once a minute, while the stack runs. */
  private scheduleCron(cron: string | undefined): void {
    this.cron = cron;
    clearInterval(this.cronTimer);
    if (!cron) return;
    this.cronTimer = setInterval(() => {
      this.worker.runScheduled(cron).catch((e) => console.error(`cron ${cron}: ${(e as Error).message}`));
    }, 60_000);
    this.cronTimer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.cronTimer);
    await this.worker.close();
    await this.emulator.close();
    await this.turn?.stop();
    await closeSpareHosts();
  }
}

/** The system programs the media plane uses, those that are installed. */
function mediaTools(): { ffmpeg?: string; openssl?: string } {
  const ffmpeg = toolPath("ffmpeg");
  const openssl = onPath("openssl");
  return { ...(ffmpeg ? { ffmpeg } : {}), ...(openssl ? { openssl } : {}) };
}

/** coturn with the emulator's shared secret, and the emulator's TURN URLs pointed at it. */
async function startTurnFor(emulator: RunningEmulator): Promise<LocalTurn> {
  const { config, initialConfig } = emulator.core;
  const { realtime } = emulator.stores;
  const turn = await startLocalTurn({
    sharedSecret: realtime.turnSharedSecret,
    refusal: (username) => realtime.turnUsernameRefusal(username),
  });
  config.turnServer = { host: turn.host, port: turn.port };
  initialConfig.turnServer = { ...config.turnServer };
  return turn;
}

/** The requested port; else last run's, if still free; else any free one. */
async function withPort<T>(
  requested: number | undefined,
  last: number | undefined,
  start: (port: number) => Promise<T>,
) {
  if (requested !== undefined) return start(requested);
  if (last) {
    try {
      return await start(last);
    } catch {
      // Taken by something else since: any free port will do.
    }
  }
  return start(0);
}

/** The Worker as the program declared it (a `WorkersScript`'s inputs), to run locally. */
export function declaredWorkerSpec(inputs: Record<string, unknown>): WorkerSpec {
  const assets = inputs.assets as
    | { directory?: string; config?: { runWorkerFirst?: boolean | string[] } }
    | undefined;
  const runWorkerFirst = assets?.config?.runWorkerFirst;
  return {
    content: String(inputs.content),
    mainModule: String(inputs.mainModule ?? "index.js"),
    compatibilityDate: String(inputs.compatibilityDate),
    compatibilityFlags: (inputs.compatibilityFlags as string[] | undefined) ?? [],
    bindings: (inputs.bindings as WorkerSpec["bindings"] | undefined) ?? [],
    ...(assets?.directory ? { assetsDirectory: assets.directory } : {}),
    ...(runWorkerFirst === undefined ? {} : { runWorkerFirst }),
  };
}
