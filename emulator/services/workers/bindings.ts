import type { WorkerBinding } from "#contracts/cloudflare/workers.ts";
import { workersErrors } from "./errors.ts";
import type { EnvironmentVariable } from "./limits.ts";
import type { StoredScript } from "./store.ts";

export interface BindingRules {
  /** Binding types to carry over from the previous version when the upload does not redeclare the name. */
  keep: string[];
  /** `bindings_inherit=strict`: an `inherit` binding that cannot be resolved fails the upload instead of being dropped. */
  strictInherit: boolean;
}

/**
 * The bindings a new version gets: the declared ones with `inherit` resolved against the previous
 * version, plus the previous bindings of the kept types. Names must be unique.
 */
export function resolveBindings(
  declared: WorkerBinding[],
  previous: WorkerBinding[],
  rules: BindingRules,
): WorkerBinding[] {
  const resolved: WorkerBinding[] = [];
  for (const binding of declared) {
    if (binding.type !== "inherit") {
      resolved.push(binding);
      continue;
    }
    const source = previous.find((p) => p.name === (binding.old_name ?? binding.name));
    const fromLatest = binding.version_id === undefined || binding.version_id === "latest";
    if (source && fromLatest) resolved.push({ ...source, name: binding.name });
    else if (rules.strictInherit) {
      throw workersErrors.invalid(
        `inherit binding '${binding.name}' cannot be resolved against the latest version of the Worker`,
      );
    }
  }
  const declaredNames = new Set(declared.map((b) => b.name));
  const kept = previous.filter((p) => rules.keep.includes(p.type) && !declaredNames.has(p.name));
  const all = [...resolved, ...kept];
  const seen = new Set<string>();
  for (const b of all) {
    if (seen.has(b.name)) throw workersErrors.bindingNameInUse(b.name);
    seen.add(b.name);
  }
  return all;
}

/** A Durable Object binding to this script's own class needs a migration to have created the class. */
export function checkDurableObjectBindings(
  bindings: WorkerBinding[],
  scriptName: string,
  classes: StoredScript["durableObjectClasses"],
): void {
  for (const b of bindings) {
    if (b.type !== "durable_object_namespace") continue;
    const ownClass = b.script_name === undefined || b.script_name === scriptName;
    if (ownClass && !classes.some((c) => c.name === b.class_name)) {
      throw workersErrors.durableObjectClassNotConfigured(b.class_name);
    }
  }
}

/** The bindings that are environment variables, with their values as text (a json binding's JSON). */
export function environmentVariablesOf(bindings: WorkerBinding[]): EnvironmentVariable[] {
  return bindings.flatMap((b): EnvironmentVariable[] => {
    if (b.type === "plain_text" || b.type === "secret_text")
      return [{ name: b.name, type: b.type, value: b.text }];
    if (b.type === "json") return [{ name: b.name, type: b.type, value: JSON.stringify(b.json) ?? "" }];
    return [];
  });
}

/** A binding as any read shows it: a secret is its name and type only. */
export function bindingView(binding: WorkerBinding): Record<string, unknown> {
  if (binding.type === "secret_text") return { name: binding.name, type: binding.type };
  return { ...binding };
}
