import { randomBytes } from "node:crypto";
import type { BackoffOptions } from "#infra/api/backoff.ts";
import { CouldNotRun } from "../lib/cli.ts";
import type { Progress } from "../lib/progress.ts";
import { RetriesExhausted, retryUntil } from "../lib/retry.ts";
import { WorkerApi, WorkerApiError } from "../lib/worker-api.ts";
import { anyProbe, NO_PROBES, PROBE_TIMEOUT_MS, type ProbeSelection, runProbes } from "../probes/plan.ts";
import type { ProbeResult } from "../probes/probe.ts";
import { authCheck } from "./auth.ts";
import type { CheckResult, SmokeCheck } from "./check.ts";
import { healthCheck } from "./health.ts";
import { liveInputCheck } from "./live-inputs.ts";
import { sfuCheck } from "./sfu.ts";
import type { SmokeTarget } from "./target.ts";
import { turnCheck } from "./turn.ts";
import { webhookCheck } from "./webhook.ts";

export interface SmokeOptions {
  /** Overall deadline for every check, retries included. */
  timeoutMs: number;
  requireLive: boolean;
  /** The probes to run beside the checks (none by default). */
  probes?: ProbeSelection;
  /** Each probe's own bound (default PROBE_TIMEOUT_MS). */
  probeTimeoutMs?: number;
  /** An interrupt: checks stop retrying, probes stop and clean up. */
  signal?: AbortSignal;
  backoff?: BackoffOptions;
}

export interface SmokeReport extends ChecksOutcome {
  target: string;
  stack?: string;
  /** The probes' results, each with its latencies (absent when none ran). */
  probes?: ProbeResult[];
}

/** The Worker API as the tenant that mints credentials. */
export const primaryApi = (target: SmokeTarget) =>
  new WorkerApi(target.workerUrl, { tenant: target.tenants[0].id, key: target.tenants[0].key });

/** Fresh ids per run: the per-user minting limit must not see every smoke run as one user. */
export const smokeRunId = () => `smoke-${randomBytes(4).toString("hex")}`;

/** Every check for this target; they share nothing, so they run in parallel. */
function smokeChecks(target: SmokeTarget, options: SmokeOptions): SmokeCheck[] {
  const api = primaryApi(target);
  const runId = smokeRunId();
  return [
    healthCheck(api, target),
    ...target.tenants.flatMap((tenant) =>
      tenant.channels.map((channel) => liveInputCheck(target, tenant, channel, options)),
    ),
    turnCheck(api, { userId: runId }),
    sfuCheck(api, {
      roomId: runId,
      userId: runId,
      ...(target.expectSfuAppId ? { expectAppId: target.expectSfuAppId } : {}),
    }),
    authCheck(api, target.tenants[0]),
    webhookCheck(api),
  ];
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Waits until the Worker answers at all (any HTTP status): a target that never does is not a failed
 * check but a smoke run that could not happen. Callers wait before they start the checks or the
 * probes, so that no probe is left running (ffmpeg, SFU sessions) when this throws.
 */
export async function waitForWorker(target: SmokeTarget, deadline: number): Promise<void> {
  const api = new WorkerApi(target.workerUrl);
  try {
    await retryUntil(
      async (_n, signal) => {
        const res = await api.raw("GET", "/healthz", { signal });
        await res.body?.cancel();
      },
      { deadline },
    );
  } catch (e) {
    const cause = e instanceof RetriesExhausted ? e.lastError : e;
    if (cause instanceof WorkerApiError && cause.status === 0) {
      throw new CouldNotRun(`the Worker at ${target.workerUrl} never answered: ${cause.message}`);
    }
    throw cause;
  }
}

async function runCheck(
  check: SmokeCheck,
  deadline: number,
  progress: Progress,
  options: Pick<SmokeOptions, "backoff" | "signal">,
): Promise<CheckResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  progress.set({ name: check.name, status: "running", attempts: 1 });
  try {
    const { value, attempts } = await retryUntil((_n, signal) => check.run(signal), {
      deadline,
      ...options.backoff,
      ...(options.signal ? { signal: options.signal } : {}),
      onRetry: (n, error) =>
        progress.set({
          name: check.name,
          status: "retrying",
          attempts: n + 1,
          durationMs: elapsed(),
          detail: messageOf(error),
        }),
    });
    const result: CheckResult = {
      name: check.name,
      status: "passed",
      attempts,
      durationMs: elapsed(),
      detail: value,
    };
    progress.set({ ...result, detail: value });
    return result;
  } catch (e) {
    const attempts = e instanceof RetriesExhausted ? e.attempts : 1;
    const error = messageOf(e instanceof RetriesExhausted ? e.lastError : e);
    const result: CheckResult = {
      name: check.name,
      status: "failed",
      attempts,
      durationMs: elapsed(),
      error,
    };
    progress.set({ ...result, detail: error });
    return result;
  }
}

export interface ChecksOutcome {
  passed: boolean;
  durationMs: number;
  checks: CheckResult[];
}

/**
 * Runs the checks in parallel, each retried with jittered backoff until one shared deadline (the
 * one the caller waited for the Worker within).
 */
export async function runChecks(
  checks: SmokeCheck[],
  deadline: number,
  options: Pick<SmokeOptions, "backoff" | "signal">,
  progress: Progress,
): Promise<ChecksOutcome> {
  const started = performance.now();
  for (const check of checks) progress.set({ name: check.name, status: "pending", attempts: 0 });
  const results = await Promise.all(checks.map((c) => runCheck(c, deadline, progress, options)));
  return {
    passed: results.every((r) => r.status === "passed"),
    durationMs: Math.round(performance.now() - started),
    checks: results,
  };
}

/** The whole post-deploy smoke run. */
export async function runSmoke(
  target: SmokeTarget,
  options: SmokeOptions,
  progress: Progress,
): Promise<SmokeReport> {
  const started = performance.now();
  const selection = options.probes ?? NO_PROBES;
  const deadline = Date.now() + options.timeoutMs;
  await waitForWorker(target, deadline);
  const [outcome, probes] = await Promise.all([
    runChecks(smokeChecks(target, options), deadline, options, progress),
    anyProbe(selection)
      ? runProbes(
          target,
          selection,
          {
            timeoutMs: options.probeTimeoutMs ?? PROBE_TIMEOUT_MS,
            ...(options.signal ? { signal: options.signal } : {}),
          },
          progress,
        )
      : undefined,
  ]);
  return {
    target: target.workerUrl,
    ...(target.stack ? { stack: target.stack } : {}),
    ...outcome,
    durationMs: Math.round(performance.now() - started),
    passed: outcome.passed && (probes ?? []).every((p) => p.status !== "failed"),
    ...(probes ? { probes } : {}),
  };
}
