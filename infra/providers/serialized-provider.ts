import type * as pulumi from "@pulumi/pulumi";
import type { ProviderKind, providers } from "./host/index.ts";

type Providers = typeof providers;

/**
 * The object Pulumi serializes into each resource's `__provider`. It captures two short strings,
 * the provider code's entry (relative to the project) and which provider in it, so that each
 * resource's state carries about 3.5 KB of provider instead of the code itself. States keep naming
 * both for as long as their resources live: see PROVIDER_ENTRY (provider-of.ts).
 *
 * In the dynamic-provider host it finds the project: the nearest folder at or above the host's
 * working directory that holds Pulumi.yaml. Pulumi starts its plugins in the folder of the
 * program's `main` when that is a file (`getPwdMain` in pulumi/pulumi pkg/engine/project.go, the
 * plugin's `cmd.Dir`), here infra/, hence the walk up. It then bundles the entry with the project's
 * own esbuild into one CommonJS module and evaluates it, once per process: the serializer rebuilds
 * captured variables on every call, so the cache lives on globalThis, keyed by folder and entry.
 */
export function serializedProvider(entry: string, kind: ProviderKind): pulumi.dynamic.ResourceProvider {
  const load = () => {
    const host = globalThis as typeof globalThis & { __realtimeStackProviders?: Map<string, Providers> };
    const { process } = host;
    const fail = (why: string) => new Error(`${kind} provider: ${why}`);
    host.__realtimeStackProviders ??= new Map();
    const cache = host.__realtimeStackProviders;
    const from = process.cwd();
    const key = `${from}\n${entry}`;
    let loaded = cache.get(key);
    if (!loaded) {
      const fs = process.getBuiltinModule("node:fs");
      const path = process.getBuiltinModule("node:path");
      let root = from;
      while (!fs.existsSync(path.join(root, "Pulumi.yaml"))) {
        if (path.dirname(root) === root)
          throw fail(`no Pulumi.yaml at or above ${from}; run pulumi in the project's checkout`);
        root = path.dirname(root);
      }
      if (!fs.existsSync(path.join(root, entry)))
        throw fail(`${root} has no ${entry}, the code the state names`);
      let esbuild: typeof import("esbuild");
      try {
        esbuild = process.getBuiltinModule("node:module").createRequire(path.join(root, "package.json"))(
          "esbuild",
        );
      } catch {
        throw fail(`no esbuild to build ${entry} with; run npm ci in ${root}`);
      }
      const code = esbuild.buildSync({
        entryPoints: [path.join(root, entry)],
        absWorkingDir: root,
        bundle: true,
        format: "cjs",
        platform: "node",
        target: "node20",
        minify: true,
        legalComments: "none",
        write: false,
        logLevel: "silent",
      }).outputFiles[0]!.text;
      // Evaluated with no `require` in scope, so the code must bring everything it uses.
      if (/\brequire\(/.test(code)) throw fail(`${entry} must not require anything at run time`);
      const module = { exports: {} as { providers?: Providers } };
      new Function("module", "exports", code)(module, module.exports);
      loaded = module.exports.providers!;
      cache.set(key, loaded);
    }
    const provider = loaded[kind];
    if (!provider) throw fail(`${entry} has none; the state names one this checkout lacks`);
    return provider as Required<pulumi.dynamic.ResourceProvider>;
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
