import { orNotFound } from "./errors.ts";

/**
 * A store's items by id: a Map in memory, so that no id (`constructor`, `__proto__`) ever reaches a
 * prototype, and a plain object in the state file.
 */
export class Collection<T> {
  private items: Map<string, T>;

  /** `what` names an item in Cloudflare's 404, e.g. "Live input". */
  constructor(
    private readonly what: string,
    record: Record<string, T> = {},
  ) {
    this.items = new Map(Object.entries(record));
  }

  get(id: string): T | undefined {
    return this.items.get(id);
  }

  /** The item, or Cloudflare's 404 (10007). */
  find(id: string): T {
    return orNotFound(this.items.get(id), this.what);
  }

  values(): T[] {
    return [...this.items.values()];
  }

  set(id: string, item: T): void {
    this.items.set(id, item);
  }

  /** Deletes and returns the item, or answers Cloudflare's 404. */
  remove(id: string): T {
    const item = this.find(id);
    this.items.delete(id);
    return item;
  }

  toJSON(): Record<string, T> {
    return Object.fromEntries(this.items);
  }
}
