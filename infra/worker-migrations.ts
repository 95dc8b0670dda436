import type * as cloudflare from "@pulumi/cloudflare";
import { DURABLE_OBJECT_MIGRATIONS, type DurableObjectMigration } from "./worker-settings.ts";

type Migrations = cloudflare.types.input.WorkersScriptMigrations;

/** The classes the history leaves, in the order they were created, each renamed class under its new name. */
function liveClasses(history: readonly DurableObjectMigration[]): string[] {
  let classes: string[] = [];
  for (const m of history) {
    classes.push(...(m.newSqliteClasses ?? []));
    for (const { from, to } of m.renamedClasses ?? []) classes = classes.map((c) => (c === from ? to : c));
  }
  return classes;
}

/**
 * What to upload given the migration tag the deployed script is at: the migrations after it as
 * steps, or nothing when it is current — as wrangler does, because Cloudflare answers a replayed tag
 * with "migration tag precondition failed" (10079). A new script gets one step creating the classes
 * the history leaves, at the latest tag: replayed, the history would create classes the code no
 * longer exports (`RateLimiter`, renamed since), which Cloudflare refuses with 10070 on a fresh
 * script (cloudflare/workers-sdk#4943; a fresh Worker "cannot create an unexported class (error
 * 10070)", kentcdodds/kody#1559). With no objects yet, there is nothing for a rename to keep.
 */
export function migrationsAfter(
  currentTag: string | undefined,
  history: readonly DurableObjectMigration[] = DURABLE_OBJECT_MIGRATIONS,
): Migrations | undefined {
  if (currentTag === undefined) {
    if (history.length === 0) return undefined;
    return { newTag: history.at(-1)!.tag, steps: [{ newSqliteClasses: liveClasses(history) }] };
  }
  const applied = history.findIndex((m) => m.tag === currentTag);
  if (applied === -1) {
    throw new Error(
      `the deployed Worker is at Durable Object migration tag "${currentTag}", which infra/worker-settings.ts ` +
        `does not list (known: ${history.map((m) => m.tag).join(", ")}); was it deployed from a newer checkout?`,
    );
  }
  const pending = history.slice(applied + 1);
  if (pending.length === 0) return undefined;
  return {
    oldTag: currentTag,
    newTag: pending[pending.length - 1]!.tag,
    steps: pending.map(migrationStep),
  };
}

/** A migration as the provider's step: what it creates, what it renames. */
function migrationStep(migration: DurableObjectMigration) {
  return {
    ...(migration.newSqliteClasses ? { newSqliteClasses: [...migration.newSqliteClasses] } : {}),
    ...(migration.renamedClasses
      ? { renamedClasses: migration.renamedClasses.map(({ from, to }) => ({ from, to })) }
      : {}),
  };
}
