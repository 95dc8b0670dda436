import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { onTestFinished } from "vitest";
import { REPO_ROOT } from "./local-stack.ts";

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A script in its own process, as a user runs it (`npm run <name> -- …`). */
export interface RunningScript {
  child: ChildProcess;
  /** What it printed so far. */
  output(): { stdout: string; stderr: string };
  /** Resolves once stdout matches `pattern` (rejects if the script exits first). */
  printed(pattern: RegExp): Promise<void>;
  exited: Promise<Run>;
}

/**
 * `env` adds to (or, with undefined, takes from) the test's own environment. Started from a test,
 * whose end SIGKILLs it if it still runs: a test that failed or timed out leaves no script behind
 * to change the stack under the tests that follow.
 */
export function startScript(name: string, args: string[], env: NodeJS.ProcessEnv = {}): RunningScript {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(REPO_ROOT, "scripts", `${name}.ts`), ...args],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, FORCE_COLOR: "0", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  let stdout = "";
  let stderr = "";
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  child.stdout!.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const w of waiters.filter((w) => w.pattern.test(stdout))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<Run>((resolve) =>
    child.on("exit", (code, signal) => {
      resolve({ code, signal, stdout, stderr });
    }),
  );
  return {
    child,
    output: () => ({ stdout, stderr }),
    printed: (pattern) =>
      pattern.test(stdout)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            waiters.push({ pattern, resolve });
            void exited.then((run) =>
              reject(
                new Error(
                  `${name} exited (${run.code ?? run.signal}) before printing ${pattern}:\n${stdout}${stderr}`,
                ),
              ),
            );
          }),
    exited,
  };
}

/** Runs a script to its end; `until` SIGKILLs it once stdout matches. */
export async function runScript(
  name: string,
  args: string[],
  { until, env }: { until?: RegExp; env?: NodeJS.ProcessEnv } = {},
): Promise<Run> {
  const script = startScript(name, args, env);
  if (until)
    void script.printed(until).then(
      () => script.child.kill("SIGKILL"),
      () => undefined,
    );
  return script.exited;
}

/** A process as /proc has it: its PID and start time (which tells it from a later one given the same PID). */
export interface Proc {
  pid: number;
  startTime: string;
  argv: string[];
}

/** The fields of /proc/<pid>/stat after the command name (which may contain spaces and parentheses). */
function statFields(pid: number | string): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined; // gone meanwhile
  }
}

/**
 * The processes descended from `pid`, by their parent links in /proc (not by name: other people's
 * ffmpeg on this machine are none of the test's business), each with its command line.
 */
export function descendants(pid: number): Proc[] {
  const all: { pid: number; ppid: number; startTime: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    // stat(5): state, ppid, … and the start time as field 22, the 20th after the name.
    const fields = statFields(entry);
    if (fields) all.push({ pid: Number(entry), ppid: Number(fields[1]), startTime: fields[19]! });
  }
  const found: Proc[] = [];
  const visit = (parent: number) => {
    for (const proc of all.filter((p) => p.ppid === parent)) {
      try {
        const argv = readFileSync(`/proc/${proc.pid}/cmdline`, "utf8").split("\0").filter(Boolean);
        found.push({ pid: proc.pid, startTime: proc.startTime, argv });
      } catch {
        continue;
      }
      visit(proc.pid);
    }
  };
  visit(pid);
  return found;
}

/** Whether that very process still runs (a zombie, exited but not yet reaped, does not count). */
export function running(proc: Proc): boolean {
  const fields = statFields(proc.pid);
  return fields !== undefined && fields[19] === proc.startTime && fields[0] !== "Z";
}
