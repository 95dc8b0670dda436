import type * as pulumi from "@pulumi/pulumi";
import type { ProviderKind, providers } from "./host/index.ts";

type Providers = typeof providers;

/**
 * The object Pulumi serializes into each resource's `__provider`. It captures two strings and
 * nothing else: the packed bundle and which provider in it. The dynamic-provider host unpacks and
 * evaluates the bundle on first use (once per process: the serializer rebuilds captured variables
 * on every call, so the cache lives on globalThis, keyed by the bundle itself).
 */
export function serializedProvider(packed: string, kind: ProviderKind): pulumi.dynamic.ResourceProvider {
  const load = () => {
    const host = globalThis as unknown as {
      process: { getBuiltinModule(id: string): { brotliDecompressSync(b: Uint8Array): Uint8Array } };
      Buffer: { from(s: string, e: string): Uint8Array };
      __realtimeStackProviders?: Map<string, Providers>;
    };
    host.__realtimeStackProviders ??= new Map();
    const cache = host.__realtimeStackProviders;
    let loaded = cache.get(packed);
    if (!loaded) {
      const code = new TextDecoder().decode(
        host.process.getBuiltinModule("node:zlib").brotliDecompressSync(host.Buffer.from(packed, "base64")),
      );
      const module = { exports: {} as { providers?: Providers } };
      new Function("module", "exports", code)(module, module.exports);
      loaded = module.exports.providers!;
      cache.set(packed, loaded);
    }
    return loaded[kind] as Required<pulumi.dynamic.ResourceProvider>;
  };
  return {
    configure: (req) => load().configure(req),
    check: (olds, news) => load().check(olds, news),
    diff: (id, olds, news) => load().diff(id, olds, news),
    create: (inputs) => load().create(inputs),
    read: (id, props) => load().read(id, props),
    update: (id, olds, news) => load().update(id, olds, news),
    delete: (id, props) => load().delete(id, props),
  };
}
