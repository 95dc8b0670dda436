import * as z from "zod/mini";
import { type StreamVideo, streamVideoList } from "#contracts/cloudflare/stream.ts";
import { messageOf } from "#infra/api/error-message.ts";
import { CloudflareApiError, type CloudflareRest } from "#infra/cloudflare-rest.ts";

/**
 * The probe input's recordings are kept for at most a day. Cloudflare's `deleteRecordingAfterDays`
 * cannot go below 30 (docs/reference/cloudflare-api.md §1.2, §1.7), so that is only the backstop:
 * each ingest probe deletes the recordings it made, and every run first sweeps any older than a
 * day, so that an interrupted run's recording is gone by the next run after it.
 */
export const MAX_RECORDING_AGE_MS = 24 * 3600_000;

/** Clocks of Cloudflare and of this machine may differ: a recording this much older than the broadcast is still this run's. */
const CLOCK_SLACK_MS = 60_000;

export interface ProbeRecordings {
  client: CloudflareRest;
  accountId: string;
  liveInputId: string;
}

/** Every video of the probe input, newest first (`GET /accounts/{a}/stream?live_input_id=…`). */
export function listRecordings(api: ProbeRecordings): Promise<StreamVideo[]> {
  return api.client.call(
    "GET",
    `/accounts/${api.accountId}/stream?live_input_id=${encodeURIComponent(api.liveInputId)}`,
    streamVideoList,
  );
}

/** Deletes each video by uid; one already gone counts as deleted. Returns the uids deleted. */
export async function deleteRecordings(api: ProbeRecordings, videos: StreamVideo[]): Promise<string[]> {
  const deleted: string[] = [];
  const failures: string[] = [];
  for (const video of videos) {
    try {
      await api.client.call(
        "DELETE",
        `/accounts/${api.accountId}/stream/${encodeURIComponent(video.uid)}`,
        z.unknown(),
      );
      deleted.push(video.uid);
    } catch (e) {
      if (e instanceof CloudflareApiError && e.status === 404) deleted.push(video.uid);
      else failures.push(`${video.uid}: ${messageOf(e)}`);
    }
  }
  if (failures.length > 0) throw new Error(`could not delete recording(s) ${failures.join("; ")}`);
  return deleted;
}

/** Recordings older than a day, whoever made them: what an interrupted run left. */
export function expired(videos: StreamVideo[], now = Date.now()): StreamVideo[] {
  return videos.filter((v) => now - Date.parse(v.created) > MAX_RECORDING_AGE_MS);
}

/** This run's recordings: made since its broadcast started (less the clock slack), or known by uid. */
export function madeSince(
  videos: StreamVideo[],
  startedAt: number,
  known: ReadonlySet<string>,
): StreamVideo[] {
  return videos.filter((v) => known.has(v.uid) || Date.parse(v.created) >= startedAt - CLOCK_SLACK_MS);
}
