import { cfErrors } from "../errors.ts";

/**
 * The stored item with this id, or Cloudflare's 404 for it. Own keys only, so that ids like
 * `constructor` or `__proto__` never reach the object's prototype.
 */
export function findOr404<T>(items: Record<string, T>, id: string, what: string): T {
  if (!Object.hasOwn(items, id)) throw cfErrors.notFound(what);
  return items[id]!;
}
