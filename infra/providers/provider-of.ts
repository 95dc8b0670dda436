import type * as pulumi from "@pulumi/pulumi";
import type { ProviderKind } from "./host/index.ts";
import { serializedProvider } from "./serialized-provider.ts";

/**
 * The providers' code, relative to the project folder (where Pulumi.yaml is), as the host looks
 * for it. Every dynamic resource's state names this path and its kind (host/index.ts) for as long
 * as the resource lives: moving the file or renaming a kind strands the resources that name them.
 */
export const PROVIDER_ENTRY = "infra/providers/host/index.ts";

const made = new Map<ProviderKind, pulumi.dynamic.ResourceProvider>();

/**
 * One provider object per kind for the whole program: Pulumi caches a provider's serialized text
 * by object identity, so every resource of a kind shares one serialization.
 */
export function providerOf(kind: ProviderKind): pulumi.dynamic.ResourceProvider {
  let provider = made.get(kind);
  if (!provider) {
    provider = serializedProvider(PROVIDER_ENTRY, kind);
    made.set(kind, provider);
  }
  return provider;
}

/** Output properties a dynamic resource exposes must be registered, unset, with the inputs. */
export const unsetOutputs = (names: readonly string[]) =>
  Object.fromEntries(names.map((n) => [n, undefined]));
