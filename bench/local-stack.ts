import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { EmulatorAdmin } from "#emulator/admin-client.ts";
import { LocalStack } from "#local-engine/local-stack.ts";
import { InProcessLocalDriver } from "#scripts/lib/local-driver.ts";

/** The dev stack applied from scratch in a temporary folder, settled, its Worker quiet. */
export async function benchStack(options: { turn?: boolean; media?: boolean } = {}) {
  const stateDir = mkdtempSync(join(tmpdir(), "bench-stack-"));
  const local = await LocalStack.start({
    root: fileURLToPath(new URL("..", import.meta.url)),
    stateDir,
    reset: true,
    quietWorker: true,
    ...options,
  });
  // The apply after the one that created the Worker drops its migrations: settle before measuring.
  await local.apply();
  // These benches time smoke runs, rotations and probes back to back, many more than a person
  // makes in 5 minutes; the paced clients would then measure their waits. bench:scale keeps
  // Cloudflare's own limit and measures the pacing.
  await new EmulatorAdmin(local.emulator.url, local.emulator.adminToken).patchConfig({
    rateLimit: { requests: 1_000_000, windowSeconds: 300 },
  });
  return {
    local,
    driver: new InProcessLocalDriver(local, "bench stack", false),
    close: async () => {
      await local.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
