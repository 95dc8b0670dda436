import type { WorkerMigrationStep, WorkerMigrations } from "#contracts/cloudflare/workers.ts";
import { workersErrors } from "./errors.ts";
import type { StoredScript } from "./store.ts";

type DurableObjectClass = StoredScript["durableObjectClasses"][number];

export interface DurableObjectState {
  tag: string | undefined;
  classes: DurableObjectClass[];
}

function applyStep(
  classes: DurableObjectClass[],
  step: WorkerMigrationStep,
  exported: () => ReadonlySet<string>,
): DurableObjectClass[] {
  let next = [...classes];
  const has = (name: string) => next.some((c) => c.name === name);
  const create = (name: string, storage: DurableObjectClass["storage"]) => {
    if (has(name)) throw workersErrors.durableObjectClassExists(name);
    next.push({ name, storage });
  };
  // A new class must be one the script exports, or Cloudflare refuses the migration with 10070
  // (cloudflare/workers-sdk#4943).
  const createExported = (name: string, storage: DurableObjectClass["storage"]) => {
    if (!exported().has(name)) throw workersErrors.classNotExported(name);
    create(name, storage);
  };
  for (const name of step.new_classes ?? []) createExported(name, "legacy-kv");
  for (const name of step.new_sqlite_classes ?? []) createExported(name, "sqlite");
  for (const { from, to } of step.renamed_classes ?? []) {
    const source = next.find((c) => c.name === from);
    if (!source)
      throw workersErrors.invalid(`Cannot rename class '${from}': it is not a Durable Object class`);
    if (has(to)) throw workersErrors.durableObjectClassExists(to);
    next = next.map((c) => (c.name === from ? { ...c, name: to } : c));
  }
  // The source class lives in another script; its storage kind is not tracked across scripts,
  // so the destination gets sqlite, the only kind Cloudflare still creates on new accounts.
  for (const { to } of step.transferred_classes ?? []) create(to, "sqlite");
  for (const name of step.deleted_classes ?? []) {
    if (!has(name))
      throw workersErrors.invalid(`Cannot delete class '${name}': it is not a Durable Object class`);
    next = next.filter((c) => c.name !== name);
  }
  return next;
}

/**
 * Applies an upload's migrations to the script's Durable Object classes. `old_tag` must name the
 * script's current tag (and be omitted when it has none), or Cloudflare refuses the upload; `exported`
 * gives the names the script's entry module exports.
 */
export function applyMigrations(
  current: DurableObjectState,
  migrations: WorkerMigrations | undefined,
  exported: () => ReadonlySet<string>,
): DurableObjectState {
  if (!migrations) return current;
  if (migrations.old_tag !== current.tag) throw workersErrors.migrationTagMismatch(current.tag);
  const steps = [migrations, ...(migrations.steps ?? [])];
  const classes = steps.reduce((all, step) => applyStep(all, step, exported), current.classes);
  return { tag: migrations.new_tag ?? current.tag, classes };
}
