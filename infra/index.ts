import { readStackConfig } from "./config.ts";
import { RealtimeStack } from "./stack.ts";
import { buildWorkerBundle } from "./worker-bundle.ts";

/**
 * The Pulumi program. Pulumi's Node.js runtime imports this module, calls its default export and
 * publishes what it returns as the stack outputs; the local engine and the tests call it the
 * same way under `pulumi.runtime.setMocks`. The configuration is validated before anything else,
 * so a bad value fails the run before a single resource is registered.
 */
export default async function realtimeStackProgram() {
  const config = readStackConfig();
  const workerBundle = await buildWorkerBundle();
  return new RealtimeStack("realtime", { config, workerBundle }).outputs;
}
