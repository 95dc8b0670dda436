import { type DerivedKeyKind, deriveKey, keyGeneration } from "./derived-key.ts";

/**
 * The stack's probe key, `rpk.<generation>.<mac>`: what the post-deploy probes show the Worker to
 * read the probe input's status, and nothing else. Derived like tenant keys (derived-key.ts) from the
 * stack's name under a label of its own, so that no tenant key is ever a probe key or the reverse;
 * it follows the tenant keys' generation, and the previous generation stays valid.
 */
const PROBE_KEY: DerivedKeyKind = { label: "probe-key", prefix: "rpk" };

export function deriveProbeKey(signingSecret: string, stack: string, generation: number): Promise<string> {
  return deriveKey(PROBE_KEY, signingSecret, stack, generation);
}

/** Whether `key` is the stack's probe key of the current generation or of the one before it. */
export async function verifyProbeKey(
  signingSecret: string,
  stack: string,
  currentGeneration: number,
  key: string,
): Promise<boolean> {
  return (await keyGeneration(PROBE_KEY, signingSecret, stack, currentGeneration, key)) !== undefined;
}
