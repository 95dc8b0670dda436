import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { startEmulator } from "#emulator/server.ts";
import type { PlannedChange } from "#infra/stack-driver.ts";
import { applyProgram } from "./engine.ts";
import type { LocalStack } from "./local-stack.ts";
import { loadState, resourceKey } from "./state-file.ts";

/**
 * `pulumi preview` for the local engine: the real apply, run against a copy of the emulator's state
 * and of the engine's state in a throwaway emulator, so that the steps are exactly what an apply
 * would do — and the running stack is not touched.
 */
export async function previewLocal(local: LocalStack): Promise<PlannedChange[]> {
  const dir = mkdtempSync(join(tmpdir(), "realtime-stack-preview-"));
  try {
    const emulatorState = join(dir, "emulator.json");
    writeFileSync(emulatorState, JSON.stringify(local.emulator.core.state.document()), { mode: 0o600 });
    const engineState = join(dir, "engine.json");
    if (existsSync(local.engineStateFile)) copyFileSync(local.engineStateFile, engineState);
    const before = loadState(engineState, local.stack);
    // Its new live inputs are delivered from the running emulator's host, as the account's all are.
    const sandbox = await startEmulator({ stateFile: emulatorState, deliveryOrigin: local.emulator.url });
    try {
      const result = await applyProgram(
        local.applyOptions({ apiBase: sandbox.apiBase, stateFile: engineState }),
      );
      return result.steps.flatMap((step): PlannedChange[] => {
        if (step.op === "same") return [];
        if (step.op !== "update") return [{ op: step.op, type: step.type, name: step.name }];
        const key = resourceKey(step.type, step.name);
        const old = before.resources[key]?.inputs ?? {};
        const now = result.state.resources[key]?.inputs ?? {};
        const diffs = [...new Set([...Object.keys(old), ...Object.keys(now)])].filter(
          (k) => !isDeepStrictEqual(old[k], now[k]),
        );
        return [{ op: "update", type: step.type, name: step.name, diffs }];
      });
    } finally {
      await sandbox.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
