import { randomBytes } from "node:crypto";
import { ApiError, createServerClient } from "#client/server.ts";
import { API_ROUTES } from "#contracts/api/routes.ts";
import type { BackoffOptions } from "#infra/api/backoff.ts";
import { messageOf } from "#infra/api/error-message.ts";
import { CouldNotRun } from "../lib/cli.ts";
import { formatMs, groupedProgress, type Progress } from "../lib/progress.ts";
import { RetriesExhausted, retryUntil } from "../lib/retry.ts";
import { anyProbe, NO_PROBES, PROBE_TIMEOUT_MS, type ProbeSelection, runProbes } from "../probes/plan.ts";
import type { ProbeResult } from "../probes/probe.ts";
import { authCheck } from "./auth.ts";
import {
  type ChannelCoverage,
  type ChannelSelection,
  type ChosenChannel,
  chooseChannels,
  DEFAULT_CHANNEL_SAMPLE,
} from "./channel-sample.ts";
import { type CheckResult, CheckWarning, type SmokeCheck } from "./check.ts";
import { healthCheck } from "./health.ts";
import { liveInputCheck } from "./live-inputs.ts";
import { sfuCheck } from "./sfu.ts";
import type { SmokeTarget } from "./target.ts";
import { DEFAULT_EXPIRY_WARNING_MS, tokenExpiryChecks } from "./token-expiry.ts";
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
  /** Which channels to check (default a sample of DEFAULT_CHANNEL_SAMPLE). */
  channels?: ChannelSelection;
  /** A Cloudflare token that expires within this many ms warns (default DEFAULT_EXPIRY_WARNING_MS). */
  expiryWarningMs?: number;
}

export interface SmokeReport extends ChecksOutcome {
  target: string;
  stack?: string;
  /** How many channels were checked, of how many; the pace of the source reads when all were. */
  channels: ChannelCoverage & { pace?: { limit: number; windowMs: number } };
  /** The probes' results, each with its latencies (absent when none ran). */
  probes?: ProbeResult[];
}

/** The Worker API as the tenant that mints credentials. */
export const primaryApi = (target: SmokeTarget) =>
  createServerClient({ baseUrl: target.workerUrl, tenant: target.tenants[0].id, key: target.tenants[0].key });

/** Fresh ids per run: the per-user minting limit must not see every smoke run as one user. */
export const smokeRunId = () => `smoke-${randomBytes(4).toString("hex")}`;

/** Checks that run at once: a run of thousands of channel checks must not open thousands of connections. */
const PARALLEL_CHECKS = 32;

/** Every check for this target; they share nothing, so they run in parallel. */
function smokeChecks(target: SmokeTarget, options: SmokeOptions, channels: ChosenChannel[]): SmokeCheck[] {
  const api = primaryApi(target);
  const runId = smokeRunId();
  return [
    healthCheck(api, target),
    ...channels.map(({ tenant, channel }) => liveInputCheck(target, tenant, channel, options)),
    turnCheck(api, { userId: runId }),
    sfuCheck(api, {
      roomId: runId,
      userId: runId,
      ...(target.expectSfuAppId ? { expectAppId: target.expectSfuAppId } : {}),
    }),
    authCheck(api, target.tenants[0]),
    webhookCheck(api),
    ...tokenExpiryChecks(target, { warnWithinMs: options.expiryWarningMs ?? DEFAULT_EXPIRY_WARNING_MS }),
  ];
}

/** The least time `calls` take at this pace when they start at once: every window after the first is waited out. */
const paceFloorMs = (calls: number, pace: { limit: number; windowMs: number }) =>
  Math.ceil(Math.max(0, calls - pace.limit) / pace.limit) * pace.windowMs;

/**
 * Waits until the Worker answers at all (any HTTP status): a target that never does is not a failed
 * check but a smoke run that could not happen. Callers wait before they start the checks or the
 * probes, so that no probe is left running (ffmpeg, SFU sessions) when this throws.
 */
export async function waitForWorker(target: SmokeTarget, deadline: number): Promise<void> {
  const api = createServerClient({ baseUrl: target.workerUrl });
  try {
    await retryUntil(
      async (_n, signal) => {
        const res = await api.raw(API_ROUTES.healthz.path, { signal });
        await res.body?.cancel();
      },
      { deadline },
    );
  } catch (e) {
    const cause = e instanceof RetriesExhausted ? e.lastError : e;
    if (cause instanceof ApiError && cause.status === 0) {
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
  let firstFailure: string | undefined;
  try {
    const { value, attempts } = await retryUntil((_n, signal) => check.run(signal), {
      deadline,
      ...options.backoff,
      ...(options.signal ? { signal: options.signal } : {}),
      onRetry: (n, error) => {
        firstFailure ??= messageOf(error);
        progress.set({
          name: check.name,
          status: "retrying",
          attempts: n + 1,
          durationMs: elapsed(),
          detail: messageOf(error),
        });
      },
    });
    const warning = value instanceof CheckWarning;
    const result: CheckResult = {
      name: check.name,
      status: warning ? "warning" : "passed",
      attempts,
      durationMs: elapsed(),
      detail: warning ? value.detail : value,
      ...(firstFailure !== undefined ? { retriedAfter: firstFailure } : {}),
    };
    progress.set(result);
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
  const results: CheckResult[] = [];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < checks.length; i = next++) {
      results[i] = await runCheck(checks[i]!, deadline, progress, options);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_CHECKS, checks.length) }, worker));
  return {
    passed: results.every((r) => r.status !== "failed"),
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
  const { chosen, coverage } = chooseChannels(
    target.tenants,
    options.channels ?? { kind: "sample", size: DEFAULT_CHANNEL_SAMPLE },
  );
  const pace = coverage.kind === "all" ? target.cloudflare?.client.pace : undefined;
  const pacing = pace ? { limit: pace.limit, windowMs: pace.windowMs } : undefined;
  const paceMs = pacing ? paceFloorMs(chosen.length, pacing) : 0;
  if (pacing && paceMs > 0) {
    progress.note(
      `Checking all ${chosen.length.toLocaleString("en-US")} channels: their source reads, ${pacing.limit} per ${Math.round(pacing.windowMs / 60_000)} minutes, take at least ${formatMs(paceMs)}; the deadline grows by as much.`,
    );
  }
  const deadline = Date.now() + options.timeoutMs;
  await waitForWorker(target, deadline);
  const channelRows = chosen.length > DEFAULT_CHANNEL_SAMPLE;
  const checkProgress = channelRows
    ? groupedProgress(progress, { prefix: "live-input ", name: "live-inputs", total: chosen.length })
    : progress;
  const [outcome, probes] = await Promise.all([
    runChecks(smokeChecks(target, options, chosen), deadline + paceMs, options, checkProgress),
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
    // The pace as the answers left it: each one states the token's quota (Ratelimit-Policy).
    channels: { ...coverage, ...(pace ? { pace: { limit: pace.limit, windowMs: pace.windowMs } } : {}) },
    ...outcome,
    durationMs: Math.round(performance.now() - started),
    passed: outcome.passed && (probes ?? []).every((p) => p.status !== "failed"),
    ...(probes ? { probes } : {}),
  };
}
