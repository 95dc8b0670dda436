import { type DerivedKeyKind, deriveKey, keyGeneration } from "./derived-key.ts";

/** Tenant API keys, `rsk.<generation>.<mac>`, derived from the tenant id (derived-key.ts). */
const TENANT_KEY: DerivedKeyKind = { label: "tenant-key", prefix: "rsk" };

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
