import { createRequire } from "node:module";
import * as pulumi from "@pulumi/pulumi";
import { FakeCloudflare } from "./fake-cloudflare.ts";

/**
 * Runs the program the way the Pulumi CLI's Node.js language host does: `node <nodeargs>
 * @pulumi/pulumi/cmd/run <main>` with the stack config in PULUMI_CONFIG, and Pulumi's own loader
 * importing `main` and calling its default export. Only the engine is replaced, by mocks. Prints
 * the registered resources as JSON lines on exit.
 */
const [main, project, stack] = process.argv.slice(2);
const fake = new FakeCloudflare();
await pulumi.runtime.setMocks(fake, project, stack, false);
// The end-of-run handshake with the engine, which mocks do not implement.
Object.assign(pulumi.runtime.getMonitor() as object, {
  signalAndWaitForShutdown: (_: unknown, done: (err: null, res: object) => void) => done(null, {}),
});
process.on("exit", () => {
  // The mock monitor keeps the stack's registered outputs as the protobuf Struct the engine would get.
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    getRegisteredResources(): Map<string, { state: { toJavaScript(): unknown } }>;
  };
  const stackResource = [...monitor.getRegisteredResources()].find(([urn]) =>
    urn.endsWith(`::${project}-${stack}`),
  );
  console.log(
    JSON.stringify({
      registered: fake.registrations.map((r) => `${r.type} ${r.name}`),
      outputs: stackResource?.[1].state.toJavaScript() ?? null,
    }),
  );
});
process.argv = [
  process.argv[0]!,
  "pulumi-language-nodejs",
  `--monitor=mock`,
  `--project=${project}`,
  `--stack=${stack}`,
  main!,
];
createRequire(import.meta.url)("@pulumi/pulumi/cmd/run");
