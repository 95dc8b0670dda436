import { existsSync, readFileSync } from "node:fs";
import { writePrivateFile } from "./private-file.ts";

/** What a store gets when it claims its section of the state. */
export interface Section<T> {
  /** What the state file held under the section's keys; `undefined` when there was no file. */
  loaded: Partial<T> | undefined;
  /** The store calls this after each change; the file is rewritten before the change is answered. */
  changed(): void;
}

/**
 * Everything the emulator holds, as one JSON document, optionally kept in a file (`--state-file`).
 * Each store owns a section: some top-level keys of the document, the keys of the flat object the
 * emulator has always written, so that files written before stores had sections load as they are.
 * The file holds secrets: it is written owner-only and atomically.
 */
export class StateFile {
  private readonly loaded: Record<string, unknown> | undefined;
  private readonly sections: (() => object)[] = [];
  private readonly claimed = new Set<string>();
  private holding = false;
  private pending = false;

  constructor(private readonly file?: string) {
    this.loaded = file === undefined ? undefined : readStateFile(file);
  }

  /** Claims `keys` for one store; `save` returns the store's current value of them. */
  section<T extends object>(keys: readonly (keyof T & string)[], save: () => T): Section<T> {
    for (const key of keys) {
      if (this.claimed.has(key)) throw new Error(`two stores claim the state key "${key}"`);
      this.claimed.add(key);
    }
    this.sections.push(save);
    const file = this.loaded;
    const loaded =
      file &&
      (Object.fromEntries(keys.filter((k) => Object.hasOwn(file, k)).map((k) => [k, file[k]])) as Partial<T>);
    return { loaded, changed: () => this.changed() };
  }

  /** The whole state as the file holds it, secrets included: never served as it is. */
  document(): Record<string, unknown> {
    return Object.assign({}, ...this.sections.map((save) => save()));
  }

  /** Runs `change` and writes the file once at its end, however many stores changed. */
  batch(change: () => void): void {
    this.holding = true;
    try {
      change();
    } finally {
      this.holding = false;
    }
    if (this.pending) this.save();
  }

  save(): void {
    this.pending = false;
    if (this.file) writePrivateFile(this.file, JSON.stringify(this.document()));
  }

  private changed(): void {
    if (this.holding) this.pending = true;
    else this.save();
  }
}

/** No file yet: a fresh account. A file that cannot be read is an error, never a silent new account. */
function readStateFile(file: string): Record<string, unknown> | undefined {
  if (!existsSync(file)) return undefined;
  const unreadable = (why: string) =>
    new Error(`the emulator state file ${file} is unreadable (${why}); move it away to start afresh`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw unreadable((e as Error).message);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw unreadable("not a JSON object");
  }
  return parsed as Record<string, unknown>;
}
