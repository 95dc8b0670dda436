import { type DerivedKeyKind, deriveKey, keyGeneration } from "./derived-key.ts";

/** Tenant API keys, `rsk.<generation>.<mac>`, derived from the tenant id (derived-key.ts). */
const TENANT_KEY: DerivedKeyKind = { label: "tenant-key", prefix: "rsk" };

/**
 * Text that looks like a tenant key, anywhere in a string (a pasted `Bearer rsk.…` too), for code
 * that must refuse one: the browser client. Looser than verification on purpose.
 */
export const TENANT_KEY_SHAPE = /\brsk\.\d{1,9}\.[A-Za-z0-9_-]{16,}/;

export function deriveTenantKey(
  signingSecret: string,
  tenantId: string,
  generation: number,
): Promise<string> {
  return deriveKey(TENANT_KEY, signingSecret, tenantId, generation);
}

/** The generation of `key` if it is the tenant's key of the current generation or the one before; else undefined. */
export function tenantKeyGeneration(
  signingSecret: string,
  tenantId: string,
  currentGeneration: number,
  key: string,
): Promise<number | undefined> {
  return keyGeneration(TENANT_KEY, signingSecret, tenantId, currentGeneration, key);
}
