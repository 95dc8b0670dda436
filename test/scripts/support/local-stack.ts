import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { EmulatorAdmin } from "#emulator/admin-client.ts";
import { declaredWorkerSpec, LocalStack } from "#local-engine/local-stack.ts";
import type { EngineState, RecordedResource } from "#local-engine/state-file.ts";
import type { WorkerSpec } from "#local-engine/worker-runner.ts";
import { InProcessLocalDriver } from "#scripts/lib/local-driver.ts";

export const REPO_ROOT = fileURLToPath(new URL("../../..", import.meta.url));

export interface TestStack {
  local: LocalStack;
  driver: InProcessLocalDriver;
  admin: EmulatorAdmin;
  stateDir: string;
  close(): Promise<void>;
}

/** The dev stack, applied from scratch to its own emulator in a temporary state folder. */
export async function startTestStack(options: { turn?: boolean; media?: boolean } = {}): Promise<TestStack> {
  const stateDir = mkdtempSync(join(tmpdir(), "scripts-test-"));
  const local = await LocalStack.start({
    root: REPO_ROOT,
    stateDir,
    reset: true,
    quietWorker: true,
    ...options,
  });
  // The apply after the one that created the Worker drops its Durable Object migrations (the
  // deployed script is at their tag by then): a stack is settled only after that second apply.
  await local.apply();
  const admin = new EmulatorAdmin(local.emulator.url, local.emulator.adminToken);
  return {
    local,
    driver: new InProcessLocalDriver(local, "test stack", false),
    admin,
    stateDir,
    close: async () => {
      await local.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

export function engineState(local: LocalStack): EngineState {
  return JSON.parse(readFileSync(local.engineStateFile, "utf8")) as EngineState;
}

export function resourceNamed(local: LocalStack, name: string): RecordedResource {
  const found = Object.values(engineState(local).resources).find((r) => r.name === name);
  if (!found) throw new Error(`no resource ${name} in the engine state`);
  return found;
}

/** The Worker as the last apply declared it, for tests that deploy a broken variant and restore it. */
export function declaredWorker(local: LocalStack): WorkerSpec {
  return declaredWorkerSpec(resourceNamed(local, "realtime-worker").inputs);
}

/** A binding's value as the Worker was declared with it (plain or secret text). */
export function workerBinding(local: LocalStack, name: string): string | undefined {
  return declaredWorker(local).bindings.find((b) => b.name === name)?.text;
}
