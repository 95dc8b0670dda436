import type * as cloudflare from "@pulumi/cloudflare";
import { DURABLE_OBJECT_MIGRATIONS, type DurableObjectMigration } from "./worker-settings.ts";

type Migrations = cloudflare.types.input.WorkersScriptMigrations;

/**
 * What to upload given the migration tag the deployed script is at (none for a new script): the
 * migrations after it as steps, or nothing when it is current — as wrangler does, because
 * Cloudflare answers a replayed tag with "migration tag precondition failed" (10079).
 */
export function migrationsAfter(
  currentTag: string | undefined,
  history: readonly DurableObjectMigration[] = DURABLE_OBJECT_MIGRATIONS,
): Migrations | undefined {
  const applied = currentTag ? history.findIndex((m) => m.tag === currentTag) : -1;
  if (currentTag && applied === -1) {
    throw new Error(
      `the deployed Worker is at Durable Object migration tag "${currentTag}", which infra/worker-settings.ts ` +
        `does not list (known: ${history.map((m) => m.tag).join(", ")}); was it deployed from a newer checkout?`,
    );
  }
  const pending = history.slice(applied + 1);
  if (pending.length === 0) return undefined;
  return {
    ...(currentTag ? { oldTag: currentTag } : {}),
    newTag: pending[pending.length - 1]!.tag,
    steps: pending.map(migrationStep),
  };
}

/** A migration as the provider's step: what it creates, what it renames. */
export function migrationStep(migration: DurableObjectMigration) {
  return {
    ...(migration.newSqliteClasses ? { newSqliteClasses: [...migration.newSqliteClasses] } : {}),
    ...(migration.renamedClasses
      ? { renamedClasses: migration.renamedClasses.map(({ from, to }) => ({ from, to })) }
      : {}),
  };
}
