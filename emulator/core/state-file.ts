import { existsSync, readFileSync } from "node:fs";
import { writePrivateFile } from "./private-file.ts";

/** What a store gets when it claims its section of the state. */
export interface Section<T> {
  /** What the state file held under the section's keys; `undefined` when there was no file. */
  loaded: Partial<T> | undefined;
  /**
   * The store calls this after each change. The file is rewritten before the change is answered
   * (the emulator's app awaits `StateFile.written`), once for the changes made close together.
   */
  changed(): void;
}

/** The longest a change waits for the write that holds it. */
const MAX_WAIT_MS = 100;

/**
 * Everything the emulator holds, as one JSON document, optionally kept in a file (`--state-file`).
 * Each store owns a section: some top-level keys of the document, the keys of the flat object the
 * emulator has always written, so that files written before stores had sections load as they are.
 * The file holds secrets: it is written owner-only and atomically.
 *
 * Writing is the whole document each time, which at thousands of live inputs takes tens of
 * milliseconds: written once per change, a burst of 900 creates (what the providers' pace allows
 * in one window) kept the emulator busy past the providers' 15-second deadline. So a write waits
 * as long as the last one took (at most 100 ms), and every change made meanwhile shares it; a
 * request's answer waits for the write that holds its change, so that every change is still on
 * disk before it is answered. With a small state the wait is a millisecond.
 */
export class StateFile {
  private readonly loaded: Record<string, unknown> | undefined;
  private readonly sections: (() => object)[] = [];
  private readonly claimed = new Set<string>();
  private holding = false;
  private pending = false;
  private scheduled: NodeJS.Timeout | undefined;
  /** How long the last write took, which is how long the next one waits for more changes. */
  private lastWriteMs = 0;
  private waiting: { resolve(): void; reject(error: unknown): void }[] = [];

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
      // A change that threw halfway may still have changed something: it is written all the same.
      this.schedule();
    }
    if (this.pending) this.save();
  }

  /**
   * Settles once every change made so far is in the file, or rejects with why it could not be
   * written. A write that failed is tried again for each caller, until one succeeds.
   */
  written(): Promise<void> {
    if (!this.pending) return Promise.resolve();
    this.schedule();
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  /** Writes the file now; throws, after failing whoever waits for it, when it cannot be written. */
  save(): void {
    clearTimeout(this.scheduled);
    this.scheduled = undefined;
    const waiting = this.waiting.splice(0);
    const started = performance.now();
    try {
      if (this.file) writePrivateFile(this.file, JSON.stringify(this.document()));
    } catch (e) {
      // Still unwritten: the next change or the next request tries again.
      this.pending = true;
      for (const w of waiting) w.reject(e);
      throw e;
    }
    this.pending = false;
    this.lastWriteMs = performance.now() - started;
    for (const w of waiting) w.resolve();
  }

  private changed(): void {
    if (!this.file) return;
    this.pending = true;
    this.schedule();
  }

  private schedule(): void {
    if (!this.pending || this.holding || this.scheduled) return;
    this.scheduled = setTimeout(
      () => {
        try {
          this.save();
        } catch (e) {
          // The requests that waited answer with the error. A change no request waits for (a
          // broadcast's state) has nobody to tell, so it is said here rather than ending the emulator.
          console.error(
            `emulator: cannot write the state file ${this.file}: ${e instanceof Error ? e.message : e}`,
          );
        }
      },
      Math.min(this.lastWriteMs, MAX_WAIT_MS),
    );
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
