import * as z from "zod";
import { liveInput, liveInputState } from "../../contracts/cloudflare/stream.ts";
import type { CloudflareRest } from "../../infra/cloudflare-rest.ts";
import { accountPath, type LocalProvider, type Props } from "../provider.ts";

type Recording = { requireSignedUrls?: boolean } & Record<string, unknown>;

/** Pulumi's `StreamLiveInput` inputs as the Stream API's camelCase body (note `requireSignedURLs`, `meta` as object). */
function body(inputs: Props) {
  const { requireSignedUrls, ...recording } = (inputs.recording ?? {}) as Recording;
  return {
    meta: inputs.meta ? JSON.parse(String(inputs.meta)) : {},
    ...(inputs.enabled !== undefined ? { enabled: inputs.enabled } : {}),
    ...(inputs.defaultCreator !== undefined ? { defaultCreator: inputs.defaultCreator } : {}),
    ...(inputs.deleteRecordingAfterDays !== undefined
      ? { deleteRecordingAfterDays: inputs.deleteRecordingAfterDays }
      : {}),
    ...(inputs.preferLowLatency !== undefined ? { preferLowLatency: inputs.preferLowLatency } : {}),
    recording: {
      ...recording,
      ...(requireSignedUrls !== undefined ? { requireSignedURLs: requireSignedUrls } : {}),
    },
  };
}

function outputs(inputs: Props, r: z.infer<typeof liveInput>): Props {
  const { requireSignedURLs, ...recording } = r.recording;
  return {
    ...inputs,
    uid: r.uid,
    liveInputIdentifier: r.uid,
    created: r.created,
    modified: r.modified,
    meta: JSON.stringify(r.meta),
    enabled: r.enabled,
    deleteRecordingAfterDays: r.deleteRecordingAfterDays ?? undefined,
    recording: { ...recording, requireSignedUrls: requireSignedURLs },
    rtmps: r.rtmps,
    rtmpsPlayback: r.rtmpsPlayback,
    srt: r.srt,
    srtPlayback: r.srtPlayback,
    webRtc: r.webRTC,
    webRtcPlayback: r.webRTCPlayback,
    status: liveInputState(r.status),
    ...(r.keysRotatedAt ? { keysRotatedAt: r.keysRotatedAt } : {}),
  };
}

const path = (inputs: Props, id = "") => `${accountPath(inputs)}/stream/live_inputs${id ? `/${id}` : ""}`;

export const streamLiveInput: LocalProvider = {
  replaceOn: ["accountId"],
  async create(inputs, api: CloudflareRest) {
    const r = await api.call("POST", path(inputs), liveInput, body(inputs));
    return { id: r.uid, outputs: outputs(inputs, r) };
  },
  async update(id, inputs, api) {
    return outputs(inputs, await api.call("PUT", path(inputs, id), liveInput, body(inputs)));
  },
  async delete(id, props, api) {
    await api.call("DELETE", path(props, id), z.unknown());
  },
};
