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
process.on("exit", () => {
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    getRegisteredResources?: () => Map<string, { state: unknown }>;
  };
  const stackResource = [...(monitor?.getRegisteredResources?.() ?? new Map()).entries()].find(([urn]) =>
    urn.includes("pulumi:pulumi:Stack"),
  );
  console.log(JSON.stringify({ registered: fake.registrations.map((r) => `${r.type} ${r.name}`), stack: stackResource?.[1].state ?? null }));
});
process.argv = [process.argv[0]!, "pulumi-language-nodejs", `--monitor=mock`, `--project=${project}`, `--stack=${stack}`, main!];
createRequire(import.meta.url)("@pulumi/pulumi/cmd/run");
