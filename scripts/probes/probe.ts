import { setTimeout as sleep } from "node:timers/promises";
import { messageOf } from "#infra/api/error-message.ts";
import { formatMs, type Progress } from "../lib/progress.ts";

/**
 * A probe: a short, real use of the stack (a broadcast, a call) that proves a path works end to end.
 * Unlike a smoke check it is not retried as a whole (it owns processes and sessions): it waits for
 * each step within one deadline, records how long each took, and undoes what it started.
 */
export interface Probe {
  name: string;
  run(ctx: ProbeContext): Promise<string>;
}

/** Milliseconds from the probe's start to each step, and which of them were waits on Cloudflare. */
export interface ProbeLatency {
  step: string;
  ms: number;
  /** A wait on Cloudflare's side (connect, first segment, first packet), not on this machine. */
  cloudflare: boolean;
}

export interface ProbeResult {
  name: string;
  /** `skipped`: not possible here and not a failure (SRT with an ffmpeg without libsrt). */
  status: "passed" | "failed" | "skipped";
  durationMs: number;
  latencies: ProbeLatency[];
  /** Of durationMs, the time spent waiting on Cloudflare-side steps. */
  cloudflareWaitMs: number;
  detail?: string;
  error?: string;
  /** Cleanups that did not succeed (the probe's verdict stands; these need a look). */
  cleanupErrors?: string[];
}

/** A broken path: the message says which step and what was seen. */
export class ProbeFailed extends Error {
  override name = "ProbeFailed";
}

/** What a probe has started, undone in reverse order whatever happens, each step on its own. */
export class Cleanups {
  private readonly steps: { what: string; undo: () => Promise<unknown> }[] = [];

  add(what: string, undo: () => Promise<unknown>): void {
    this.steps.push({ what, undo });
  }

  /** Runs every cleanup (the last added first); returns what failed. */
  async run(): Promise<string[]> {
    const errors: string[] = [];
    for (const { what, undo } of this.steps.splice(0).reverse()) {
      try {
        await undo();
      } catch (e) {
        errors.push(`${what}: ${messageOf(e)}`);
      }
    }
    return errors;
  }
}

export interface ProbeContext {
  /** Fires at the deadline or on an interrupt; every wait and call of the probe takes it. */
  signal: AbortSignal;
  /** Absolute time (ms since epoch) by which the probe must be done, cleanups excluded. */
  deadline: number;
  cleanups: Cleanups;
  /** Records that `step` happened now; `cloudflare` when the wait since `since` was on Cloudflare. */
  mark(step: string, options?: { cloudflare?: boolean; since?: number }): number;
  /** Milliseconds since the probe started. */
  elapsed(): number;
}

const POLL_MS = 100;

/**
 * Polls `check` until it returns something other than undefined, within the probe's deadline; a
 * timeout names what was awaited and the last thing seen (`check` may describe it by throwing).
 */
export async function waitFor<T>(
  ctx: Pick<ProbeContext, "signal">,
  what: string,
  check: (signal: AbortSignal) => Promise<T | undefined>,
  intervalMs = POLL_MS,
): Promise<T> {
  let last = "";
  for (;;) {
    if (ctx.signal.aborted) throw stopped(ctx.signal, what, last);
    try {
      const value = await check(ctx.signal);
      if (value !== undefined) return value;
      last = "";
    } catch (e) {
      if (e instanceof ProbeFailed) throw e;
      // A check the deadline cut short saw nothing: the last answer it replaced says more.
      if (!ctx.signal.aborted) last = messageOf(e);
    }
    // An abort ends the pause early; the loop's check then says why.
    await sleep(intervalMs, undefined, { signal: ctx.signal }).catch(() => {});
  }
}

/** Why a probe stopped waiting: its deadline, or an interrupt (the signal's reason says which). */
function stopped(signal: AbortSignal, what: string, last = ""): ProbeFailed {
  const reason = signal.reason instanceof Interrupted ? signal.reason.message : "the probe's deadline passed";
  return new ProbeFailed(`${what}: ${reason}${last ? ` (last: ${last})` : ""}`);
}

/** The reason an interrupted run's signal carries. */
export class Interrupted extends Error {
  override name = "Interrupted";
}

/** Runs one probe within `timeoutMs` (and `signal`), then its cleanups, and reports it to `progress`. */
export async function runProbe(
  probe: Probe,
  options: { timeoutMs: number; signal?: AbortSignal },
  progress: Progress,
): Promise<ProbeResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const deadline = Date.now() + options.timeoutMs;
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  const latencies: ProbeLatency[] = [];
  let cloudflareWaitMs = 0;
  let lastMark = 0;
  const ctx: ProbeContext = {
    signal,
    deadline,
    cleanups: new Cleanups(),
    elapsed,
    mark(step, markOptions = {}) {
      const ms = elapsed();
      const cloudflare = markOptions.cloudflare ?? false;
      if (cloudflare) cloudflareWaitMs += ms - (markOptions.since ?? lastMark);
      latencies.push({ step, ms, cloudflare });
      lastMark = ms;
      progress.set({
        name: probe.name,
        status: "running",
        attempts: 1,
        durationMs: ms,
        detail: `${step} after ${formatMs(ms)}`,
      });
      return ms;
    },
  };
  progress.set({ name: probe.name, status: "running", attempts: 1 });
  let outcome: { detail: string } | { error: string };
  try {
    outcome = { detail: await probe.run(ctx) };
  } catch (e) {
    outcome = {
      error:
        signal.aborted && !(e instanceof ProbeFailed) ? stopped(signal, "stopped").message : messageOf(e),
    };
  }
  const cleanupErrors = await ctx.cleanups.run();
  const result: ProbeResult = {
    name: probe.name,
    status: "detail" in outcome && cleanupErrors.length === 0 ? "passed" : "failed",
    durationMs: elapsed(),
    latencies,
    cloudflareWaitMs,
    ...outcome,
    ...(cleanupErrors.length > 0 ? { cleanupErrors } : {}),
  };
  if ("detail" in outcome && cleanupErrors.length > 0)
    result.error = `cleanup failed: ${cleanupErrors.join("; ")}`;
  progress.set({
    name: probe.name,
    status: result.status,
    attempts: 1,
    durationMs: result.durationMs,
    detail: result.error ?? result.detail ?? "",
  });
  return result;
}

/** "connect 412 ms, first segment 2.4 s, …" */
export function describeLatencies(latencies: ProbeLatency[]): string {
  return latencies.map((l) => `${l.step} ${formatMs(l.ms)}`).join(", ");
}
