import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { EmulatorAddress } from "#emulator/services/realtime/testing.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** `/proc/<pid>/stat` counts CPU time in clock ticks: 100 per second on Linux (`getconf CLK_TCK`). */
const TICKS_PER_SECOND = 100;

/**
 * The emulator in a process of its own (`npm run emulator`), so that the CPU it spends is told
 * apart from the CPU of the clients the benchmark runs.
 */
export async function emulatorProcess(): Promise<
  EmulatorAddress & { cpuSeconds: () => number | undefined; close: () => Promise<void> }
> {
  const adminToken = randomBytes(24).toString("base64url");
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "emulator/cli.ts", "--port", "0"], {
    cwd: ROOT,
    env: { ...process.env, EMULATOR_ADMIN_TOKEN: adminToken },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const printed = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (/Account id\s+\S+/.test(out)) resolve(out);
    });
    child.once("exit", (code) =>
      reject(new Error(`the emulator exited (${code}) before it listened:\n${out}`)),
    );
  });
  const url = /listening on (\S+)/.exec(printed)![1]!;
  const accountId = /Account id\s+(\S+)/.exec(printed)![1]!;
  return {
    apiBase: `${url}/client/v4`,
    realtimeBase: `${url}/v1`,
    accountId,
    adminToken,
    cpuSeconds: () => cpuSecondsOf(child.pid!),
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** User and system CPU time a process has used, in seconds; `undefined` without `/proc`. */
function cpuSecondsOf(pid: number): number | undefined {
  try {
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}
