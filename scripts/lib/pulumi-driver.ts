import { join, resolve } from "node:path";
import type { EngineEvent, OpType, OutputMap, Stack } from "@pulumi/pulumi/automation/index.js";
import { messageOf } from "#infra/api/error-message.ts";
import { type RotationConfig, rotationSchema } from "#infra/config.ts";
import { ApiSettings } from "#infra/providers/host/api.ts";
import {
  type ApplyOutcome,
  type ChangeOp,
  type PlannedChange,
  ROTATION_KEY,
  type StackDriver,
} from "#infra/stack-driver.ts";
import { parseStackOutputs, type StackOutputs } from "#infra/stack-outputs.ts";
import { CouldNotRun } from "./cli.ts";

/** Pulumi's step kinds, folded into the four that matter for review; the rest change nothing. */
const OPS: Partial<Record<OpType, ChangeOp>> = {
  create: "create",
  update: "update",
  delete: "delete",
  replace: "replace",
  "create-replacement": "replace",
  "delete-replaced": "replace",
  import: "create",
  "import-replacement": "replace",
};

/**
 * A resource step from an engine event, or undefined for events that change nothing (same, read,
 * refresh) and for the stack and component resources, which only group others. Provider resources
 * count: a provider upgrade is a change like any other.
 */
export function changeFromEvent(event: EngineEvent): PlannedChange | undefined {
  const meta = event.resourcePreEvent?.metadata;
  if (!meta) return undefined;
  const op = OPS[meta.op];
  const isProvider = meta.type.startsWith("pulumi:providers:");
  if (!op || meta.type === "pulumi:pulumi:Stack" || (meta.provider === "" && !isProvider)) return undefined;
  const name = meta.urn.slice(meta.urn.lastIndexOf("::") + 2);
  return { op, type: meta.type, name, ...(meta.diffs ? { diffs: meta.diffs } : {}) };
}

/** A replacement shows as two or three steps (create-replacement, replace, delete-replaced): one change. */
export function collectChanges(events: EngineEvent[]): PlannedChange[] {
  const byResource = new Map<string, PlannedChange>();
  for (const event of events) {
    const change = changeFromEvent(event);
    if (!change) continue;
    const key = `${change.type}::${change.name}`;
    const seen = byResource.get(key);
    byResource.set(key, seen?.op === "replace" ? seen : change);
  }
  return [...byResource.values()];
}

/** `pulumi stack output --json --show-secrets` from the Automation API's map. */
export function outputValues(map: OutputMap): Record<string, unknown> {
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, v.value]));
}

/** A structured config value in the form `pulumi config set-all --json` takes, kept as YAML in the file. */
export function structuredConfigJson(key: string, value: unknown): string {
  return JSON.stringify({ [key]: { value: JSON.stringify(value), objectValue: value, secret: false } });
}

/**
 * A Pulumi stack through the Automation API (`@pulumi/pulumi/automation`), which runs the Pulumi
 * CLI in the project folder: the same program, backend and `Pulumi.<stack>.yaml` as `pulumi up`.
 */
export class PulumiDriver implements StackDriver {
  private constructor(
    private readonly pulumiStack: Stack,
    readonly stateDir: string,
    /** Where Pulumi's own progress and diff go: stderr, so that stdout stays the script's report. */
    private readonly log: (text: string) => void,
  ) {}

  /** Selects an existing stack; the Pulumi CLI must be installed and logged in to the stack's backend. */
  static async select(options: {
    stack: string;
    root?: string;
    stateDir?: string;
    log?: (text: string) => void;
  }): Promise<PulumiDriver> {
    const root = resolve(options.root ?? process.cwd());
    const { LocalWorkspace } = await import("@pulumi/pulumi/automation/index.js");
    try {
      const stack = await LocalWorkspace.selectStack({ stackName: options.stack, workDir: root });
      return new PulumiDriver(
        stack,
        options.stateDir ?? join(root, ".realtime-stack", options.stack),
        options.log ?? ((text) => process.stderr.write(text)),
      );
    } catch (e) {
      throw new CouldNotRun(`cannot select Pulumi stack "${options.stack}" in ${root}: ${pulumiFailure(e)}`);
    }
  }

  get stack(): string {
    return this.pulumiStack.name;
  }

  get description(): string {
    return `Pulumi stack ${this.pulumiStack.name}`;
  }

  async outputs(): Promise<StackOutputs> {
    const outputs = await this.pulumi("stack output", () => this.pulumiStack.outputs());
    return parseStackOutputs(outputValues(outputs), this.description);
  }

  async preview(): Promise<PlannedChange[]> {
    const events: EngineEvent[] = [];
    await this.pulumi("preview", () =>
      this.pulumiStack.preview({ diff: true, onOutput: this.log, onEvent: (e) => events.push(e) }),
    );
    return collectChanges(events);
  }

  async up(): Promise<ApplyOutcome> {
    const events: EngineEvent[] = [];
    await this.pulumi("up", () =>
      this.pulumiStack.up({ onOutput: this.log, onEvent: (e) => events.push(e) }),
    );
    return { changes: collectChanges(events), outputs: await this.outputs() };
  }

  async rotation(): Promise<RotationConfig> {
    const value = await this.optionalConfig(ROTATION_KEY);
    return rotationSchema.parse(value === undefined ? {} : JSON.parse(value));
  }

  async setRotation(rotation: RotationConfig): Promise<void> {
    await this.pulumi("config set-all", () =>
      this.pulumiStack.setAllConfigJson(structuredConfigJson(ROTATION_KEY, rotation)),
    );
  }

  async setSecret(key: string, value: string): Promise<void> {
    try {
      await this.pulumi("config set --secret", () =>
        this.pulumiStack.setConfig(key, { value, secret: true }),
      );
    } catch (e) {
      // The Automation API passes the value as the command's last argument and quotes the command
      // line in its error, which would reach the progress line, the rotation journal and CI's log.
      throw new Error(value ? messageOf(e).replaceAll(value, "[secret]") : messageOf(e));
    }
  }

  /** `pulumi config` as the Automation API reads it, which shows secrets (`--show-secrets`). */
  secret(key: string): Promise<string | undefined> {
    return this.optionalConfig(key);
  }

  /** The REST client the stack's own providers configure, from the same config and environment. */
  async cloudflareApi() {
    // One `pulumi config` run for all the keys: each run starts the CLI.
    const config = await this.config();
    const accountId = config["realtime-stack:accountId"];
    if (!accountId) throw new CouldNotRun(`${this.description} has no realtime-stack:accountId`);
    const settings = new ApiSettings("scripts");
    try {
      settings.configure({ get: (key) => config[key] }, process.env);
      return { client: settings.client(), accountId };
    } catch (e) {
      throw new CouldNotRun(`${this.description}: ${messageOf(e)}`);
    }
  }

  async close(): Promise<void> {}

  /** Runs a Pulumi command; its failure says which command and why, in one line. */
  private async pulumi<T>(command: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      throw new Error(`pulumi ${command} failed: ${pulumiFailure(e)}`);
    }
  }

  /** The stack's config values by key (a key that is not set is absent). */
  private async config(): Promise<Record<string, string | undefined>> {
    const all = await this.pulumi("config", () => this.pulumiStack.getAllConfig());
    return Object.fromEntries(Object.entries(all).map(([key, { value }]) => [key, value]));
  }

  /** A config value, or undefined when the key is not set. */
  private async optionalConfig(key: string): Promise<string | undefined> {
    return (await this.config())[key];
  }
}

/**
 * The line execa (which the Automation API runs the CLI with, in cmd.js) puts before what the CLI
 * wrote to stderr when it exits non-zero: the command line, not the reason.
 */
const EXECA_HEADLINE = /^Command failed with exit code -?\d+: /;

/**
 * The reason in an Automation API failure, whose message is `code: … stdout: … stderr: … err?: …`:
 * Pulumi's own output has already gone to the log, so one line that says why is what is left to say.
 */
export function pulumiFailure(e: unknown): string {
  const message = messageOf(e);
  if (/\bENOENT\b/.test(message)) return "the Pulumi CLI (pulumi) is not installed or not on PATH";
  const lines = message.split("\n").map((l) => l.trim());
  const firstIn = (label: string) => {
    const start = lines.findIndex((l) => l.startsWith(label));
    if (start === -1) return undefined;
    const rest = [lines[start]!.slice(label.length).trim(), ...lines.slice(start + 1)];
    const end = rest.findIndex((l, i) => i > 0 && /^(stdout|stderr|err\?):/.test(l));
    return rest.slice(0, end === -1 ? undefined : end).find((l) => l !== "" && !EXECA_HEADLINE.test(l));
  };
  return firstIn("stderr:") ?? firstIn("err?:") ?? lines.find((l) => l !== "") ?? message;
}
