import { type ChildProcess, type SpawnOptions, spawn } from "node:child_process";

/**
 * Every process the media plane starts (ffmpeg per broadcast, SRT listeners), so that none outlives
 * it: closing ends them all, and so does the emulator's process exiting any other way (npm start's
 * Ctrl-C exits at once).
 */
export class Children {
  private readonly running = new Set<ChildProcess>();
  private closed = false;

  constructor() {
    process.once("exit", this.killNow);
  }

  /** Spawns a tracked child; after `close` it refuses. stderr is kept (the last 8 KiB) for errors. */
  spawn(command: string, args: string[], options: SpawnOptions = {}): TrackedChild {
    if (this.closed) throw new Error("the media plane is closed");
    const child = spawn(command, args, { stdio: ["pipe", "ignore", "pipe"], ...options });
    this.running.add(child);
    let stderr = "";
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-8192);
    });
    const exited = new Promise<number | null>((resolve) => {
      child.once("close", (code) => {
        this.running.delete(child);
        resolve(code);
      });
      child.once("error", () => {
        this.running.delete(child);
        resolve(null);
      });
    });
    return { child, exited, stderr: () => stderr, stop: () => stop(child, exited) };
  }

  /** Ends every child and waits for them. */
  async close(): Promise<void> {
    this.closed = true;
    process.off("exit", this.killNow);
    await Promise.all(
      [...this.running].map((child) => stop(child, new Promise((r) => child.once("close", r)))),
    );
  }

  get count(): number {
    return this.running.size;
  }

  private killNow = () => {
    for (const child of this.running) child.kill("SIGKILL");
  };
}

export interface TrackedChild {
  child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal or it could not start). */
  exited: Promise<number | null>;
  stderr(): string;
  /** SIGTERM, then SIGKILL if it is still there after 2 s. */
  stop(): Promise<void>;
}

async function stop(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 2_000);
  await exited;
  clearTimeout(timer);
}
