import { type LiveInput, liveInput } from "#contracts/cloudflare/stream.ts";
import { messageOf } from "#infra/api/error-message.ts";
import { onlyOnce } from "#infra/api/only-once.ts";
import { CloudflareApiError, type CloudflareRest } from "#infra/cloudflare-rest.ts";
import type { StackDriver } from "#infra/stack-driver.ts";
import type { StackOutputs } from "#infra/stack-outputs.ts";
import { CouldNotRun } from "../lib/cli.ts";
import type { Progress } from "../lib/progress.ts";
import { type ChannelProgress, StreamKeyJournal, type StreamKeyTarget } from "./stream-key-journal.ts";

export interface IngestDetails {
  rtmps: { url: string; streamKey: string };
  srt: { url: string; streamId: string; passphrase: string };
  whip: { url: string };
}

export interface StreamKeyRotation {
  /** `tenant/channel` */
  channel: string;
  liveInputId: string;
  keysRotatedAt?: string;
  ingest: IngestDetails;
}

/** Which channels: named ones, every channel of some tenants, or all of them (together, a union). */
export interface StreamKeySelection {
  channels: string[];
  tenants: string[];
  all: boolean;
  /** The stack's probe input too (labelled `probe`), when it has one: an emergency rotates it. */
  probe?: boolean;
}

/** How the probe input is labelled among the channels of a run. */
export const PROBE_LABEL = "probe";

export interface StreamKeyOptions {
  selection: StreamKeySelection;
  /** Drop an unfinished run of another selection instead of refusing to start. */
  restart: boolean;
  progress: Progress;
  /** An interrupt: the run stops before the next channel, and the next run continues it. */
  signal?: AbortSignal;
}

export interface StreamKeyReport {
  stack: string;
  /** Every channel of the run, these and those an interrupted run did before. */
  total: number;
  /** Rotated now, with the new ingest details. */
  rotated: StreamKeyRotation[];
  /** Rotated by the run this one continues. */
  earlier: { channel: string; liveInputId: string; keysRotatedAt?: string }[];
  /** Channels whose input is gone, each with the reason. */
  failed: { channel: string; error: string }[];
  /** Not rotated yet: the next run with the same selection continues with these. */
  remaining: number;
  /** The run is over: every channel reached, and none left for a re-run to try again. */
  finished: boolean;
  /** What stopped the run before its end, if anything did. */
  stopped?: string;
  resumed: boolean;
  journal: string;
  durationMs: number;
}

/**
 * How far before the call a rotation Cloudflare reports may be and still count as the call's: the
 * time the run wrote down is this machine's, keysRotatedAt is Cloudflare's. A rotation found that
 * close to the run's own is fresh either way, so taking it for the run's rotates nothing twice.
 */
const CLOCK_SKEW_MS = 5 * 60_000;

/** The selected channels, in the stack's order, each once. */
function targetsOf(outputs: StackOutputs, selection: StreamKeySelection): StreamKeyTarget[] {
  const all = Object.entries(outputs.tenants).flatMap(([tenant, t]) =>
    Object.entries(t.channels).map(([channel, c]) => ({
      channel: `${tenant}/${channel}`,
      liveInputId: c.liveInputId,
    })),
  );
  for (const tenant of selection.tenants) {
    if (!outputs.tenants[tenant]) throw new CouldNotRun(`the stack has no tenant ${tenant}`);
  }
  for (const label of selection.channels) {
    if (!all.some((t) => t.channel === label)) {
      throw new CouldNotRun(`the stack has no channel ${label} (expected <tenant>/<channel>)`);
    }
  }
  const chosen = all.filter(
    (t) =>
      selection.all ||
      selection.channels.includes(t.channel) ||
      selection.tenants.includes(t.channel.split("/")[0]!),
  );
  return selection.probe && outputs.probe
    ? [...chosen, { channel: PROBE_LABEL, liveInputId: outputs.probe.liveInputId }]
    : chosen;
}

const sameTargets = (a: StreamKeyTarget[], b: StreamKeyTarget[]) => {
  const key = (t: StreamKeyTarget[]) => JSON.stringify(t.map((x) => `${x.channel} ${x.liveInputId}`).sort());
  return key(a) === key(b);
};

/** The run to carry out: the unfinished one if it is this selection's, else a new one. */
function openJournal(driver: StackDriver, targets: StreamKeyTarget[], restart: boolean) {
  const file = StreamKeyJournal.fileFor(driver.stateDir, driver.stack);
  const existing = StreamKeyJournal.load(file, driver.stack);
  if (existing && !existing.finished && !restart) {
    if (sameTargets(existing.channels, targets)) return { journal: existing, resumed: true };
    const left = existing.channels.filter((c) => c.state !== "done").length;
    throw new CouldNotRun(
      `an unfinished stream-key rotation (started ${existing.startedAt}, ${left} of ${existing.channels.length} channels left) is in ${file}: run it again with the same channels to finish it, or add --restart to drop it`,
    );
  }
  return { journal: StreamKeyJournal.start(file, driver.stack, targets), resumed: false };
}

function rotationOf(label: string, input: LiveInput): StreamKeyRotation {
  return {
    channel: label,
    liveInputId: input.uid,
    ...(input.keysRotatedAt ? { keysRotatedAt: input.keysRotatedAt } : {}),
    ingest: {
      rtmps: { url: input.rtmps.url, streamKey: input.rtmps.streamKey },
      srt: { url: input.srt.url, streamId: input.srt.streamId, passphrase: input.srt.passphrase },
      whip: { url: input.webRTC.url },
    },
  };
}

/**
 * One channel's new keys, once. A channel the journal shows as begun may have been rotated by the
 * call that was in flight when the run stopped: its keysRotatedAt says, before anything is sent.
 */
async function rotateChannel(
  api: { client: CloudflareRest; accountId: string },
  journal: StreamKeyJournal,
  entry: ChannelProgress,
  signal: AbortSignal | undefined,
): Promise<StreamKeyRotation> {
  const path = `/accounts/${api.accountId}/stream/live_inputs/${entry.liveInputId}`;
  const readBack = async (begunAt: string) => {
    const input = await api.client.call("GET", path, liveInput, undefined, signal ? { signal } : {});
    const at = input.keysRotatedAt ? Date.parse(input.keysRotatedAt) : Number.NaN;
    return at >= Date.parse(begunAt) - CLOCK_SKEW_MS ? input : undefined;
  };
  if (entry.state === "begun" && entry.begunAt) {
    const found = await readBack(entry.begunAt);
    if (found) {
      journal.rotated(entry.channel, found.keysRotatedAt);
      return rotationOf(entry.channel, found);
    }
  }
  const begunAt = new Date().toISOString();
  journal.begun(entry.channel, begunAt);
  const input = await onlyOnce(api.client, `rotate_keys of ${entry.channel}`, {
    before: async () => undefined,
    attempt: () =>
      api.client.call("POST", `${path}/rotate_keys`, liveInput, undefined, signal ? { signal } : {}),
    reconcile: () => readBack(begunAt),
    unresolved: `Run the same rotation again: it reads ${entry.channel}'s keysRotatedAt before rotating it.`,
    ...(signal ? { signal } : {}),
  });
  journal.rotated(entry.channel, input.keysRotatedAt);
  return rotationOf(entry.channel, input);
}

/**
 * New ingest credentials for each selected channel through the live input's `rotate_keys`: the old
 * stream key, SRT passphrase and WHIP URL stop working at once and a connected broadcaster is
 * dropped, which is why this is never part of the scheduled rotation. One channel after another,
 * each call waiting for its turn in the scripts' share of the deploy token's budget (the client's
 * pace), each step in the journal before and after it, so that 3,000 channels take as long as the
 * budget says and an interrupted run is continued, never redone.
 */
export async function rotateStreamKeys(
  driver: StackDriver,
  options: StreamKeyOptions,
): Promise<StreamKeyReport> {
  const started = performance.now();
  const { progress, signal } = options;
  const targets = targetsOf(await driver.outputs(), options.selection);
  if (targets.length === 0) throw new CouldNotRun("the selection names no channel");
  const api = await driver.cloudflareApi();
  const { journal, resumed } = openJournal(driver, targets, options.restart);
  const channels = journal.channels;
  const earlier = channels
    .filter((c) => c.state === "done")
    .map((c) => ({
      channel: c.channel,
      liveInputId: c.liveInputId,
      ...(c.keysRotatedAt ? { keysRotatedAt: c.keysRotatedAt } : {}),
    }));
  const rotated: StreamKeyRotation[] = [];
  const failed: StreamKeyReport["failed"] = [];
  const row = "stream-keys";
  const count = () => ({ done: earlier.length + rotated.length + failed.length, total: channels.length });
  if (resumed)
    progress.note(
      `Continuing the rotation begun ${journal.startedAt}: ${earlier.length} of ${channels.length} channels done.`,
    );
  let stopped: string | undefined;
  for (const entry of channels) {
    if (entry.state === "done") continue;
    if (signal?.aborted) {
      stopped = messageOf(signal.reason);
      break;
    }
    try {
      rotated.push(await rotateChannel(api, journal, entry, signal));
      progress.set({
        name: row,
        status: "running",
        attempts: 1,
        count: count(),
        detail: `${entry.channel} rotated`,
      });
    } catch (e) {
      if (signal?.aborted) {
        stopped = messageOf(signal.reason);
        break;
      }
      // An input deleted since the last deploy is that channel's problem; anything else stops the run.
      if (!(e instanceof CloudflareApiError && e.status === 404)) {
        stopped = messageOf(e);
        break;
      }
      failed.push({ channel: entry.channel, error: `live input ${entry.liveInputId} does not exist` });
      progress.set({
        name: row,
        status: "running",
        attempts: 1,
        count: count(),
        detail: `${entry.channel} FAILED: its live input does not exist`,
      });
    }
  }
  const remaining = channels.length - count().done;
  // A channel whose live input is gone fails again on every re-run, so a run that reached every
  // channel is over, failures included: left open, it would refuse every later rotation (an
  // emergency's too) until someone thought of --restart. Unless no channel was found at all, which
  // says more of the outputs or the account than of the channels, and is left to look into.
  const reachedAny = rotated.length + earlier.length > 0;
  if (remaining === 0 && (failed.length === 0 || reachedAny)) journal.finish();
  progress.set({
    name: row,
    status: stopped || failed.length > 0 ? "failed" : "passed",
    attempts: 1,
    count: count(),
    durationMs: performance.now() - started,
    detail: stopped ?? `${rotated.length} rotated now${earlier.length ? `, ${earlier.length} before` : ""}`,
  });
  return {
    stack: driver.stack,
    total: channels.length,
    finished: journal.finished,
    rotated,
    earlier,
    failed,
    remaining,
    ...(stopped ? { stopped } : {}),
    resumed,
    journal: journal.file,
    durationMs: Math.round(performance.now() - started),
  };
}

const HIDDEN = "(hidden: --show-secrets prints it)";

/** The ingest details with their secrets replaced, unless asked for: logs outlive the terminal. */
export function redactIngest(rotation: StreamKeyRotation, showSecrets: boolean): StreamKeyRotation {
  if (showSecrets) return rotation;
  const { rtmps, srt } = rotation.ingest;
  return {
    ...rotation,
    ingest: {
      rtmps: { url: rtmps.url, streamKey: HIDDEN },
      srt: { url: srt.url, streamId: srt.streamId, passphrase: HIDDEN },
      whip: { url: HIDDEN },
    },
  };
}
