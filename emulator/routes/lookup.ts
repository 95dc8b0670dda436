import { cfErrors } from "../errors.ts";

/**
 * The stored item with this id, or Cloudflare's 404 for it. Own keys only, so that ids like
 * `constructor` or `__proto__` never reach the object's prototype.
 */
export function findOr404<T>(items: Record<string, T>, id: string, what: string): T {
  const item = ownEntry(items, id);
  if (item === undefined) throw cfErrors.notFound(what);
  return item;
}

/** `items[id]` for the record's own keys only, so that ids like `constructor` never reach the prototype. */
export function ownEntry<T>(items: Record<string, T>, id: string | undefined): T | undefined {
  return id !== undefined && Object.hasOwn(items, id) ? items[id] : undefined;
}
