import { isDeepStrictEqual } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import * as z from "zod";
import { permissionGroup } from "../contracts/cloudflare/tokens.ts";
import type { CloudflareRest } from "../infra/cloudflare-rest.ts";
import { camelKeys, type Props } from "./provider.ts";
import { providers } from "./providers/index.ts";
import { type EngineState, loadState, type RecordedResource, resourceKey, saveState } from "./state-file.ts";

export type StepOp = "create" | "update" | "replace" | "delete" | "same";
export interface Step {
  op: StepOp;
  type: string;
  name: string;
}

export interface ApplyOptions {
  project: string;
  stack: string;
  /** Stack config as `pulumi config` holds it, keys with their namespace (`realtime-stack:tenants`). */
  config: Record<string, string>;
  /** Runs the Pulumi program once (as the CLI calls a module's default export) and returns its outputs. */
  program: () => Promise<Record<string, unknown>>;
  api: CloudflareRest;
  stateFile: string;
  /** Called as each step completes, for progress output. */
  onStep?: (step: Step) => void;
}

export interface ApplyResult {
  outputs: Record<string, unknown>;
  steps: Step[];
  state: EngineState;
}

const PERMISSION_GROUPS_LIST =
  "cloudflare:index/getAccountApiTokenPermissionGroupsList:getAccountApiTokenPermissionGroupsList";

const WORKERS_SCRIPTS_LIST = "cloudflare:index/getWorkersScripts:getWorkersScripts";

/** Pulumi's wire marker for secret values, which mocks hand over as wrapped objects. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value && typeof value === "object") {
    const o = value as Record<string, unknown>;
    if (SECRET_SIG in o) return unwrapSecrets(o.value);
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}

async function resolveOutput(value: unknown): Promise<unknown> {
  return new Promise((resolve) =>
    (pulumi.output(value) as pulumi.Output<unknown>).apply((v) => resolve(unwrapSecrets(v))),
  );
}

/**
 * Evaluates the real Pulumi program under mocks whose resources are created, updated and
 * deleted on the emulator through Cloudflare's REST API, with Pulumi's default semantics:
 * unchanged inputs → nothing; changed → update in place, or create-before-delete replacement
 * when a RequiresReplace input changed; gone from the program → deleted, last, newest first.
 */
export async function applyProgram(options: ApplyOptions): Promise<ApplyResult> {
  const state = loadState(options.stateFile, options.stack);
  const steps: Step[] = [];
  const seen = new Set<string>();
  const record = (step: Step) => {
    steps.push(step);
    options.onStep?.(step);
  };
  const persist = () => saveState(options.stateFile, state);

  async function register(
    type: string,
    name: string,
    rawInputs: Props,
  ): Promise<{ id: string; state: Props }> {
    const provider = providers[type];
    if (!provider) throw new Error(`the local engine cannot create ${type} (${name}); add a provider for it`);
    const inputs = unwrapSecrets(rawInputs) as Props;
    const key = resourceKey(type, name);
    seen.add(key);
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
      persist();
      record({ op: "update", type, name });
      return { id: existing.id, state: outputs };
    }
    const created = await provider.create(inputs, options.api);
    state.seq += 1;
    if (existing) state.pendingDeletes.push(existing);
    state.resources[key] = { type, name, id: created.id, inputs, outputs: created.outputs, seq: state.seq };
    persist();
    record({ op: existing ? "replace" : "create", type, name });
    return { id: created.id, state: created.outputs };
  }

  // Like `pulumi up`, the first failed step ends the run: nothing further is created or changed.
  let failure: unknown;
  let fail: (e: unknown) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    fail = (e) => {
      failure ??= e;
      reject(failure);
    };
  });
  failed.catch(() => {});
  // The Pulumi runtime rethrows a failed registration on promises nobody awaits; they are this failure.
  const onUnhandled = (reason: unknown) => fail(reason);
  process.on("unhandledRejection", onUnhandled);

  await pulumi.runtime.setMocks(
    {
      async newResource(args) {
        if (args.custom === false) return { id: undefined, state: args.inputs };
        if (failure) throw new Error(`${args.name} not registered: an earlier step failed`);
        try {
          return await register(args.type, args.name, args.inputs as Props);
        } catch (e) {
          fail(e);
          throw e;
        }
      },
      async call(args) {
        if (args.token === WORKERS_SCRIPTS_LIST) {
          const { accountId } = args.inputs as { accountId: string };
          const scripts = await options.api.call(
            "GET",
            `/accounts/${accountId}/workers/scripts`,
            z.array(z.object({ id: z.string(), migration_tag: z.string().optional() }).loose()),
          );
          return {
            ...(args.inputs as Props),
            results: scripts.map((s) => ({ id: s.id, migrationTag: s.migration_tag ?? "" })),
          };
        }
        if (args.token !== PERMISSION_GROUPS_LIST) {
          throw new Error(`the local engine cannot invoke ${args.token}`);
        }
        const { accountId, name, scope } = args.inputs as {
          accountId: string;
          name?: string;
          scope?: string;
        };
        const query = new URLSearchParams({ ...(name ? { name } : {}), ...(scope ? { scope } : {}) });
        const groups = await options.api.call(
          "GET",
          `/accounts/${accountId}/tokens/permission_groups?${query}`,
          z.array(permissionGroup),
        );
        return { ...(args.inputs as Props), results: camelKeys(groups) };
      },
    },
    options.project,
    options.stack,
    false,
  );
  pulumi.runtime.setAllConfig(options.config);

  let outputs: Record<string, unknown>;
  try {
    outputs = await Promise.race([evaluate(options.program), failed]);
  } finally {
    // Let the runtime's own rejections of this run arrive before the handler goes.
    await new Promise((r) => setTimeout(r, 20));
    process.off("unhandledRejection", onUnhandled);
  }

  for (const key of Object.keys(state.resources)) {
    if (!seen.has(key)) {
      state.pendingDeletes.push(state.resources[key]!);
      delete state.resources[key];
    }
  }
  await deletePending(state, options, record);
  persist();
  return { outputs, steps, state };
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

async function deletePending(state: EngineState, options: ApplyOptions, record: (s: Step) => void) {
  const newestFirst = [...state.pendingDeletes].sort((a, b) => b.seq - a.seq);
  for (const r of newestFirst) {
    await deleteOne(r, options);
    state.pendingDeletes = state.pendingDeletes.filter((p) => p !== r);
    saveState(options.stateFile, state);
    record({ op: "delete", type: r.type, name: r.name });
  }
}

async function deleteOne(r: RecordedResource, options: ApplyOptions) {
  const provider = providers[r.type];
  if (!provider) throw new Error(`the local engine cannot delete ${r.type} (${r.name})`);
  try {
    await provider.delete(r.id, r.outputs, options.api);
  } catch (e) {
    // Already gone (deleted by hand, or by an interrupted run) is what a delete wants.
    if (!(e instanceof Error && "status" in e && e.status === 404)) throw e;
  }
}
