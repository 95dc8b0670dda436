import type * as pulumi from "@pulumi/pulumi";
import type { ProviderKind, providers } from "./host/index.ts";

type Providers = typeof providers;

/**
 * The object Pulumi serializes into each resource's `__provider`. It captures two short strings,
 * the provider code's entry (relative to the project) and which provider in it, so that each
 * resource's state carries about 1 KB of provider instead of the code itself.
 *
 * In the dynamic-provider host it finds the project: the nearest folder at or above the host's
 * working directory that holds Pulumi.yaml and the entry. Pulumi starts the host there, since its
 * launcher resolves `@pulumi/pulumi/cmd/dynamic-provider` from its working directory
 * (node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs), and older CLIs started it in main's
 * folder (`getPwdMain` in pulumi/pulumi pkg/engine/project.go), hence the walk up. It then bundles
 * the entry with the project's own esbuild into one CommonJS module and evaluates it, once per
 * process: the serializer rebuilds captured variables on every call, so the cache lives on
 * globalThis, keyed by the folder.
 */
export function serializedProvider(entry: string, kind: ProviderKind): pulumi.dynamic.ResourceProvider {
  const load = () => {
    const host = globalThis as typeof globalThis & { __realtimeStackProviders?: Map<string, Providers> };
    const { process } = host;
    host.__realtimeStackProviders ??= new Map();
    const cache = host.__realtimeStackProviders;
    const from = process.cwd();
    let loaded = cache.get(from);
    if (!loaded) {
      const fs = process.getBuiltinModule("node:fs");
      const path = process.getBuiltinModule("node:path");
      let root = from;
      while (!fs.existsSync(path.join(root, "Pulumi.yaml")) || !fs.existsSync(path.join(root, entry))) {
        const parent = path.dirname(root);
        if (parent === root) {
          throw new Error(
            `the ${kind} provider runs the project's own code (${entry}), and no folder at or above ${from} holds it with a Pulumi.yaml: run pulumi from the project's checkout`,
          );
        }
        root = parent;
      }
      let esbuild: typeof import("esbuild");
      try {
        esbuild = process.getBuiltinModule("node:module").createRequire(path.join(root, "package.json"))(
          "esbuild",
        );
      } catch {
        throw new Error(
          `the ${kind} provider bundles ${entry} with the project's esbuild: run npm ci in ${root}`,
        );
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
      if (/\brequire\(/.test(code))
        throw new Error(`the provider code (${entry}) must not require anything at run time`);
      const module = { exports: {} as { providers?: Providers } };
      new Function("module", "exports", code)(module, module.exports);
      loaded = module.exports.providers!;
      cache.set(from, loaded);
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
