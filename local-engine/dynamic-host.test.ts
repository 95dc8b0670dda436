import { spawn } from "node:child_process";
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { closeSpareHosts, takeHost } from "./spare-hosts.ts";
import { processesIn } from "./testing.ts";

const HOST_MODULE = fileURLToPath(new URL("./dynamic-host.ts", import.meta.url));
const SPARES_MODULE = fileURLToPath(new URL("./spare-hosts.ts", import.meta.url));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Resolves when `pid` has exited; the host's exit is not an event this process can wait on. */
async function exited(pid: number, boundMs: number): Promise<boolean> {
  const until = Date.now() + boundMs;
  while (alive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  return !alive(pid);
}

let dir = "";
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("the dynamic-provider host", () => {
  it("exits with the engine that started it, even when the engine is killed outright", async () => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), "host-parent-")));
    const code = `import { DynamicProviderHost } from ${JSON.stringify(HOST_MODULE)};
await DynamicProviderHost.start({ cwd: ${JSON.stringify(dir)}, project: "p", stack: "s" });
console.log("started");
setInterval(() => {}, 60_000);`;
    const engine = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const line = await new Promise<string>((resolve) =>
      createInterface({ input: engine.stdout }).once("line", resolve),
    );
    expect(line).toBe("started");
    const [host] = processesIn(dir);
    expect(host).toBeDefined();

    engine.kill("SIGKILL");
    // A SIGKILL runs no handler in the engine: only the closed pipe tells the host.
    expect(await exited(host!, 10_000)).toBe(true);
  });
});

describe("hosts started ahead", () => {
  it("give each run a process of its own, the next started during a run, and the last ended with the stack", async () => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), "host-spare-")));
    const options = { cwd: dir, project: "p", stack: "s" };
    // A first run starts no spare: a stack applied once (a one-off preview) pays for none.
    const first = await takeHost(options);
    expect(processesIn(dir)).toEqual([first.pid]);
    await first.close();

    // From the second run on, each starts the next run's host while it runs.
    const second = await takeHost(options);
    expect(second.pid).not.toBe(first.pid);
    await expect.poll(() => processesIn(dir).length, { timeout: 30_000 }).toBe(2);
    const [spare] = processesIn(dir).filter((pid) => pid !== second.pid);
    await second.close();
    const third = await takeHost(options);
    expect(third.pid).toBe(spare);
    await third.close();

    await closeSpareHosts();
    await expect.poll(() => processesIn(dir), { timeout: 10_000 }).toEqual([]);

    // A stack started again is new: its first run starts no spare either.
    const again = await takeHost(options);
    expect(processesIn(dir)).toEqual([again.pid]);
    await again.close();
  });

  it("are ended before an engine with nothing else to do exits, and the engine exits cleanly", async () => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), "host-last-")));
    // Two runs, so that the second starts a spare; then closing it is the engine's last work.
    const code = `import { closeSpareHosts, takeHost } from ${JSON.stringify(SPARES_MODULE)};
const options = { cwd: ${JSON.stringify(dir)}, project: "p", stack: "s" };
await (await takeHost(options)).close();
await (await takeHost(options)).close();
await closeSpareHosts();
console.log("closed");`;
    const engine = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    engine.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    const status = await new Promise<number | null>((resolve) => engine.once("exit", resolve));
    expect({ status, out: out.trim() }).toEqual({ status: 0, out: "closed" });
    expect(processesIn(dir)).toEqual([]);
  });
});
