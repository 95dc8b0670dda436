import { availableParallelism } from "node:os";
import { isDeepStrictEqual } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import { messageOf } from "#infra/api/error-message.ts";
import type { CloudflareRest } from "#infra/cloudflare-rest.ts";
import { isDynamicType } from "#infra/type-tokens.ts";
import { Checkpoints } from "./checkpoints.ts";
import { changedKeys, DynamicResources, type RegistrationOptions } from "./dynamic-resources.ts";
import { FirstFailure } from "./first-failure.ts";
import { invoke } from "./invokes.ts";
import type { Props } from "./provider.ts";
import { providers } from "./providers/index.ts";
import { captureRegistrationOptions } from "./registration-options.ts";
import { isWrappedSecret, unwrapSecrets, wrapSecret } from "./secret-wire.ts";
import { type EngineState, loadState, type RecordedResource, resourceKey } from "./state-file.ts";

export type StepOp = "create" | "update" | "replace" | "delete" | "same";
export interface Step {
  op: StepOp;
  type: string;
  name: string;
  /** For refresh: the properties that differed from the state. */
  diffs?: string[];
}

export interface EngineOptions {
  project: string;
  stack: string;
  /** Stack config as `pulumi config` holds it, keys with their namespace (`realtime-stack:tenants`). */
  config: Record<string, string>;
  /**
   * The config dynamic providers are configured with, when it must differ from the program's
   * (a preview against a sandbox emulator); defaults to `config`.
   */
  providerConfig?: Record<string, string>;
  /**
   * Where the dynamic-provider host starts, as Pulumi starts it (plugin-folder.ts). Required: a
   * host started anywhere else finds the project from another folder than under Pulumi, and misses
   * the host started ahead for the run (spare-hosts.ts).
   */
  cwd: string;
  /** For the resources still bridged to @pulumi/cloudflare, which local providers stand in for. */
  api: CloudflareRest;
  stateFile: string;
  /** Called as each step completes, for progress output. */
  onStep?: (step: Step) => void;
}

export interface ApplyOptions extends EngineOptions {
  /** Runs the Pulumi program once (as the CLI calls a module's default export) and returns its outputs. */
  program: () => Promise<Record<string, unknown>>;
}

export interface ApplyResult {
  outputs: Record<string, unknown>;
  steps: Step[];
  state: EngineState;
}

/** Outputs as the program receives them: the secret ones wrapped, as the engine would mark them. */
function presented(r: RecordedResource): Props {
  const secret = new Set(r.secretOutputs ?? []);
  return Object.fromEntries(
    Object.entries(r.outputs).map(([k, v]) => [k, secret.has(k) ? wrapSecret(v) : v]),
  );
}

async function resolveOutput(value: unknown): Promise<unknown> {
  return new Promise((resolve) =>
    (pulumi.output(value) as pulumi.Output<unknown>).apply((v) => resolve(unwrapSecrets(v))),
  );
}

function dynamicResources(options: EngineOptions, state: EngineState): DynamicResources {
  return new DynamicResources({
    project: options.project,
    stack: options.stack,
    cwd: options.cwd,
    config: options.providerConfig ?? options.config,
    nextSeq: () => ++state.seq,
  });
}

/**
 * Evaluates the real Pulumi program under mocks and applies it with Pulumi's semantics: unchanged
 * → nothing; changed → update in place, or create-before-delete replacement; gone from the program
 * → deleted, last, newest first. Dynamic resources (this project's own providers) go through
 * Pulumi's dynamic-provider host; the resources still bridged to @pulumi/cloudflare through the
 * local providers that replay their Cloudflare calls.
 */
export async function applyProgram(options: ApplyOptions): Promise<ApplyResult> {
  const state = loadState(options.stateFile, options.stack);
  const steps: Step[] = [];
  const seen = new Set<string>();
  const record = (step: Step) => {
    steps.push(step);
    options.onStep?.(step);
  };
  const checkpoints = new Checkpoints(options.stateFile, state);
  const dynamic = dynamicResources(options, state);
  const registrations = new Map<string, RegistrationOptions>();

  async function registerDynamic(type: string, name: string, rawInputs: Props) {
    const key = resourceKey(type, name);
    const secretInputs = Object.keys(rawInputs).filter((k) => isWrappedSecret(rawInputs[k]));
    const existing = state.resources[key];
    const step = await dynamic.register(
      type,
      name,
      unwrapSecrets(rawInputs) as Props,
      secretInputs,
      registrations.get(key) ?? { additionalSecretOutputs: [], deleteBeforeReplace: false },
      existing,
    );
    if (step.op === "replace" && !step.deletedFirst) state.pendingDeletes.push(step.replaced);
    state.resources[key] = step.resource;
    if (step.op !== "same" || !isDeepStrictEqual(existing, step.resource)) checkpoints.step();
    record({ op: step.op, type, name });
    return { id: step.resource.id, state: presented(step.resource) };
  }

  async function registerBridged(type: string, name: string, rawInputs: Props) {
    const provider = providers[type];
    if (!provider) throw new Error(`the local engine cannot create ${type} (${name}); add a provider for it`);
    const inputs = unwrapSecrets(rawInputs) as Props;
    const key = resourceKey(type, name);
    const existing = state.resources[key];
    if (existing && isDeepStrictEqual(existing.inputs, inputs)) {
      record({ op: "same", type, name });
      return { id: existing.id, state: existing.outputs };
    }
    const mustReplace =
      existing && provider.replaceOn.some((k) => !isDeepStrictEqual(existing.inputs[k], inputs[k]));
    if (existing && !mustReplace) {
      const outputs = { ...existing.outputs, ...(await provider.update(existing.id, inputs, options.api)) };
      state.resources[key] = { ...existing, inputs, outputs };
      checkpoints.step();
      record({ op: "update", type, name });
      return { id: existing.id, state: outputs };
    }
    const created = await provider.create(inputs, options.api);
    state.seq += 1;
    if (existing) state.pendingDeletes.push(existing);
    state.resources[key] = { type, name, id: created.id, inputs, outputs: created.outputs, seq: state.seq };
    checkpoints.step();
    record({ op: existing ? "replace" : "create", type, name });
    return { id: created.id, state: created.outputs };
  }

  const failure = new FirstFailure();
  // Steps already sent to Cloudflare when another fails still finish and are recorded, as Pulumi's
  // step executor waits for in-flight chains before the run ends (WaitForCompletion in pulumi/pulumi
  // pkg/resource/deploy/step_executor.go).
  const inFlight = new Set<Promise<unknown>>();

  await pulumi.runtime.setMocks(
    {
      async newResource(args) {
        if (args.custom === false) return { id: undefined, state: args.inputs };
        if (failure.happened) throw new Error(`${args.name} not registered: an earlier step failed`);
        try {
          seen.add(resourceKey(args.type, args.name));
          const inputs = args.inputs as Props;
          const step = isDynamicType(args.type)
            ? registerDynamic(args.type, args.name, inputs)
            : registerBridged(args.type, args.name, inputs);
          inFlight.add(step);
          void step.then(
            () => inFlight.delete(step),
            () => inFlight.delete(step),
          );
          return await step;
        } catch (e) {
          failure.fail(e);
          throw e;
        }
      },
      async call(args) {
        try {
          return await invoke(args, options.api);
        } catch (e) {
          // Pulumi's runtime reports a failed invoke by the error's `details` alone (invoke.js), so
          // without it the run would fail with an empty message.
          const message = `${args.token}: ${messageOf(e)}`;
          throw Object.assign(new Error(message), { details: message });
        }
      },
    },
    options.project,
    options.stack,
    false,
  );

  captureRegistrationOptions(registrations);
  pulumi.runtime.setAllConfig(options.config);

  try {
    const outputs = await Promise.race([evaluate(options.program), failure.failed]);
    for (const key of Object.keys(state.resources)) {
      if (!seen.has(key)) {
        state.pendingDeletes.push(state.resources[key]!);
        delete state.resources[key];
      }
    }
    await deletePending(state, options, dynamic, checkpoints, record);
    return { outputs, steps, state };
  } finally {
    await Promise.allSettled(inFlight);
    checkpoints.close();
    // After a failure, the registrations and invokes the runtime still has queued end too (each
    // failing) before the hook below goes, as their rejections would otherwise end the process.
    if (failure.happened) await pulumi.runtime.disconnect().catch(() => {});
    await dynamic.close();
    // Registrations still in flight when a step failed end once the host is closed, each with a
    // rejection the runtime rethrows unawaited: they are this run's failure, and must reach the
    // handler rather than end the process and hide the first error. Let them arrive first.
    await new Promise((r) => setTimeout(r, 20));
    failure.dispose();
  }
}

async function evaluate(program: ApplyOptions["program"]) {
  const exported = await program();
  const outputs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(exported)) outputs[k] = await resolveOutput(v);
  // Resources the exports do not depend on may still be waiting for inputs or registering:
  // the runtime counts every registration from construction on, and this waits for all of them.
  await pulumi.runtime.disconnect();
  return outputs;
}

async function deletePending(
  state: EngineState,
  options: EngineOptions,
  dynamic: DynamicResources,
  checkpoints: Checkpoints,
  record: (s: Step) => void,
) {
  const newestFirst = [...state.pendingDeletes].sort((a, b) => b.seq - a.seq);
  for (const r of newestFirst) {
    await deleteOne(r, options, dynamic);
    state.pendingDeletes = state.pendingDeletes.filter((p) => p !== r);
    checkpoints.step();
    record({ op: "delete", type: r.type, name: r.name });
  }
}

async function deleteOne(r: RecordedResource, options: EngineOptions, dynamic: DynamicResources) {
  // A dynamic resource is deleted by the provider serialized in its own state, 404 handling included.
  if (isDynamicType(r.type)) return dynamic.delete(r);
  const provider = providers[r.type];
  if (!provider) {
    // E.g. a live input recorded by an engine from before the stack's own providers.
    throw new Error(
      `the local engine cannot delete ${r.type} (${r.name}), which its state holds from an older program; start afresh with \`npm start -- --reset\``,
    );
  }
  try {
    await provider.delete(r.id, r.outputs, options.api);
  } catch (e) {
    // Already gone (deleted by hand, or by an interrupted run) is what a delete wants.
    if (!(e instanceof Error && "status" in e && e.status === 404)) throw e;
  }
}

/**
 * `pulumi refresh`: each dynamic resource read back through its provider. One deleted out of
 * band leaves the state (the next apply creates it again); one changed out of band keeps what was
 * read, so that the next apply shows the difference and puts it back.
 */
export async function refreshState(options: EngineOptions): Promise<Step[]> {
  const state = loadState(options.stateFile, options.stack);
  const dynamic = dynamicResources(options, state);
  const checkpoints = new Checkpoints(options.stateFile, state);
  const toRead = Object.entries(state.resources).filter(([, r]) => isDynamicType(r.type));
  const steps: Step[] = [];
  let failure: { error: unknown } | undefined;
  let next = 0;
  // Each lane reads one resource after another until none is left or a read failed; the reads
  // already sent still finish and are recorded, as in an up, and the first failure ends the run.
  const lane = async () => {
    while (next < toRead.length && !failure) {
      const index = next++;
      const [key, r] = toRead[index]!;
      try {
        steps[index] = await refreshOne(state, key, r, dynamic);
      } catch (error) {
        failure ??= { error };
        return;
      }
      checkpoints.step();
      options.onStep?.(steps[index]!);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(refreshParallelism(), toRead.length) }, lane));
    if (failure) throw failure.error;
    return steps;
  } finally {
    checkpoints.close();
    await dynamic.close();
  }
}

/**
 * How many reads a refresh runs at once. Pulumi runs a refresh's steps like an update's, up to
 * `--parallel` at once, by default 4 per CPU or PULUMI_PARALLEL (defaultParallel in pulumi/pulumi
 * pkg/cmd/pulumi/operations); the own providers' shared pace keeps them within the token's budget.
 */
export function refreshParallelism(env: NodeJS.ProcessEnv = process.env): number {
  const set = Number(env.PULUMI_PARALLEL);
  return Number.isInteger(set) && set > 0 ? set : 4 * availableParallelism();
}

/** One resource read back: gone, changed (with what differed) or the same. */
async function refreshOne(
  state: EngineState,
  key: string,
  r: RecordedResource,
  dynamic: DynamicResources,
): Promise<Step> {
  const read = await dynamic.read(r);
  if (!read) {
    delete state.resources[key];
    return { op: "delete", type: r.type, name: r.name };
  }
  const diffs = changedKeys(r.outputs, read.outputs);
  state.resources[key] = read;
  return diffs.length > 0
    ? { op: "update", type: r.type, name: r.name, diffs }
    : { op: "same", type: r.type, name: r.name };
}

/** `pulumi destroy`: every resource in the state deleted, newest first, each by its own provider. */
export async function destroyState(options: EngineOptions): Promise<Step[]> {
  const state = loadState(options.stateFile, options.stack);
  const dynamic = dynamicResources(options, state);
  const checkpoints = new Checkpoints(options.stateFile, state);
  const steps: Step[] = [];
  try {
    state.pendingDeletes.push(...Object.values(state.resources));
    state.resources = {};
    checkpoints.step();
    await deletePending(state, options, dynamic, checkpoints, (s) => {
      steps.push(s);
      options.onStep?.(s);
    });
    return steps;
  } finally {
    checkpoints.close();
    await dynamic.close();
  }
}
