/**
 * A store's items by id: a Map in memory, so that no id (`constructor`, `__proto__`) ever reaches a
 * prototype, and a plain object in the state file.
 */
export class Collection<T> {
  private items: Map<string, T>;

  constructor(record: Record<string, T> = {}) {
    this.items = new Map(Object.entries(record));
  }

  get(id: string): T | undefined {
    return this.items.get(id);
  }

  values(): T[] {
    return [...this.items.values()];
  }

  set(id: string, item: T): void {
    this.items.set(id, item);
  }

  delete(id: string): boolean {
    return this.items.delete(id);
  }

  toJSON(): Record<string, T> {
    return Object.fromEntries(this.items);
  }
}
