/**
 * The storage API writes at most 128 keys at once: Cloudflare's docs state it for `put(entries)` on
 * both backends (developers.cloudflare.com/durable-objects/api/storage-api/). Local workerd's
 * SQLite-backed storage takes more in one put (tried with 129), so no local run would notice a
 * bigger batch; the writes keep to the documented bound all the same.
 */
export const STORAGE_MAX_KEYS = 128;

/**
 * Values a Durable Object writes to its storage together, `delayMs` after the first of them
 * changed, instead of one write per call: every write a call waits on costs that call a storage
 * commit (about half a millisecond, several on a busy machine), and a commit blocks the object
 * meanwhile. The object reads the values it has not written yet from here.
 *
 * The pending timer keeps the object in memory until the write is done (an object with a timer is
 * not hibernated, docs/reference/cloudflare-api.md §6.5). A machine lost meanwhile forgets at most
 * `delayMs` of changes: only what may be forgotten for that long is written this way.
 */
export class DeferredWrites<V> {
  private readonly pending = new Map<string, V>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly delayMs: number,
    /** What is stored for a value, worked out when it is written (the latest state of a mutable one). */
    private readonly stored: (value: V) => unknown = (value) => value,
  ) {}

  /** Writes `value` under `key` with the next batch. */
  set(key: string, value: V): void {
    this.pending.set(key, value);
    this.timer ??= setTimeout(() => void this.write(), this.delayMs);
  }

  /** A value not written yet. */
  get(key: string): V | undefined {
    return this.pending.get(key);
  }

  /** Forgets a value not written yet (the caller deletes the key from storage itself). */
  delete(key: string): void {
    this.pending.delete(key);
  }

  /** Every value not written yet, by key. */
  entries(): IterableIterator<[string, V]> {
    return this.pending.entries();
  }

  private async write(): Promise<void> {
    const entries = [...this.pending].map(([key, value]): [string, unknown] => [key, this.stored(value)]);
    this.pending.clear();
    this.timer = undefined;
    // All put at once: each is seen by the object's next read as soon as it is made.
    const puts: Promise<void>[] = [];
    for (let i = 0; i < entries.length; i += STORAGE_MAX_KEYS) {
      puts.push(this.storage.put(Object.fromEntries(entries.slice(i, i + STORAGE_MAX_KEYS))));
    }
    await Promise.all(puts);
  }
}
