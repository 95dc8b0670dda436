import { isDeepStrictEqual } from "node:util";
import type { DynamicProviderHost } from "./dynamic-host.ts";
import type { Props } from "./provider.ts";
import { takeHost } from "./spare-hosts.ts";
import type { RecordedResource } from "./state-file.ts";

const PROVIDER_KEY = "__provider";

/** What a registration carries besides its inputs, as the engine reads it off RegisterResourceRequest. */
export interface RegistrationOptions {
  importId?: string;
  additionalSecretOutputs: string[];
  deleteBeforeReplace: boolean;
}

/** The outcome of one registration, in Pulumi's step terms. */
export type DynamicStep =
  | { op: "same" | "update"; resource: RecordedResource }
  | { op: "create"; resource: RecordedResource }
  | { op: "replace"; resource: RecordedResource; replaced: RecordedResource; deletedFirst: boolean };

const withoutProvider = ({ [PROVIDER_KEY]: _p, ...rest }: Props) => rest;

export interface DynamicContext {
  project: string;
  stack: string;
  /** Where Pulumi starts the host (plugin-folder.ts). */
  cwd: string;
  /** The stack config the host's Configure call carries. */
  config: Record<string, string>;
  nextSeq(): number;
}

/**
 * Pulumi's steps for dynamic resources, run through Pulumi's own dynamic-provider host:
 * Check, then Diff against the state's outputs, then Create, Update, or a replacement
 * (create-before-delete unless the diff or the resource asks otherwise), Read for refresh and
 * Delete — each with the provider serialized in what it is sent, as the Pulumi engine does.
 */
export class DynamicResources {
  private host: Promise<DynamicProviderHost> | undefined;

  constructor(private readonly context: DynamicContext) {}

  private started(): Promise<DynamicProviderHost> {
    this.host ??= takeHost(this.context).then(async (host) => {
      await host.configure(this.context.config);
      return host;
    });
    return this.host;
  }

  urn(type: string, name: string): string {
    return `urn:pulumi:${this.context.stack}::${this.context.project}::${type}::${name}`;
  }

  /** One registration: `news` without secret wrappers, `secretInputs` the top-level keys that were secret. */
  async register(
    type: string,
    name: string,
    news: Props,
    secretInputs: string[],
    options: RegistrationOptions,
    existing: RecordedResource | undefined,
  ): Promise<DynamicStep> {
    const host = await this.started();
    const urn = this.urn(type, name);
    if (options.importId !== undefined && existing?.id !== options.importId) {
      // Pulumi reads the object to import with empty properties, so the host finds no `__provider`
      // to read it with (pulumi/pulumi#3550, #16175): this fails here exactly as it fails there.
      await host.read(urn, options.importId, {}, {});
      throw new Error(`${name}: importing a dynamic resource read nothing back`);
    }
    const checked = await host.check(urn, existing?.inputs ?? {}, news);
    if (checked.failures.length > 0) {
      const reasons = checked.failures.map((f) => `${f.property}: ${f.reason}`).join("; ");
      throw new Error(`${type} ${name}: check failed: ${reasons}`);
    }
    const inputs = checked.inputs;
    const secretOutputs = [...new Set([...secretInputs, ...options.additionalSecretOutputs])].sort();
    const fresh = async (): Promise<RecordedResource> => {
      const created = await host.create(urn, inputs);
      const seq = this.context.nextSeq();
      return { type, name, id: created.id, inputs, outputs: created.outputs, secretOutputs, seq };
    };
    if (!existing) return { op: "create", resource: await fresh() };

    const diff = await host.diff(urn, existing.id, existing.outputs, inputs, existing.inputs);
    const changed =
      diff.changes === "some" ||
      (diff.changes === "unknown" &&
        !isDeepStrictEqual(withoutProvider(existing.inputs), withoutProvider(inputs)));
    if (!changed) return { op: "same", resource: { ...existing, inputs, secretOutputs } };
    if (diff.replaces.length === 0) {
      const outputs = await host.update(urn, existing.id, existing.outputs, inputs, existing.inputs);
      return { op: "update", resource: { ...existing, inputs, outputs, secretOutputs } };
    }
    const deletedFirst = diff.deleteBeforeReplace || options.deleteBeforeReplace;
    if (deletedFirst) await this.delete(existing);
    return { op: "replace", resource: await fresh(), replaced: existing, deletedFirst };
  }

  /** Deletes with the provider serialized in the resource's own recorded outputs. */
  async delete(resource: RecordedResource): Promise<void> {
    const host = await this.started();
    await host.delete(this.urn(resource.type, resource.name), resource.id, resource.outputs, resource.inputs);
  }

  /** Refresh: undefined when the object is gone; otherwise the resource with what the provider read. */
  async read(resource: RecordedResource): Promise<RecordedResource | undefined> {
    const host = await this.started();
    const read = await host.read(
      this.urn(resource.type, resource.name),
      resource.id,
      resource.outputs,
      resource.inputs,
    );
    if (read.id === "") return undefined;
    return { ...resource, id: read.id, outputs: read.outputs, inputs: read.inputs ?? resource.inputs };
  }

  async close(): Promise<void> {
    const host = this.host;
    this.host = undefined;
    if (host) await (await host.catch(() => undefined))?.close();
  }
}

/** The properties whose values differ between two property bags (Pulumi's diff display, shallow). */
export function changedKeys(before: Props, after: Props): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => k !== PROVIDER_KEY && !isDeepStrictEqual(before[k], after[k])).sort();
}
