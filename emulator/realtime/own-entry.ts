/** `items[id]` for the record's own keys only, so that ids like `constructor` never reach the prototype. */
export function ownEntry<T>(items: Record<string, T>, id: string | undefined): T | undefined {
  return id !== undefined && Object.hasOwn(items, id) ? items[id] : undefined;
}
