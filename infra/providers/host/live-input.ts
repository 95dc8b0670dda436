import * as z from "zod/mini";
import { type LiveInput, liveInput, liveInputWrite } from "#contracts/cloudflare/stream.ts";
import { cfTag } from "#contracts/ids.ts";
import type { CloudflareRest } from "../../cloudflare-rest.ts";
import { type CloudflareKind, isNotFound } from "./lifecycle.ts";

/** The inputs: the Stream API's own create/update body, the account, and optionally a uid to adopt. */
const liveInputInputs = z.strictObject({
  ...liveInputWrite.shape,
  accountId: cfTag,
  adopt: z.optional(z.strictObject({ uid: cfTag })),
});
type LiveInputInputs = z.infer<typeof liveInputInputs>;

/** What the state keeps besides the inputs; the credentials among them are secret outputs. */
export type LiveInputComputed = {
  uid: string;
  created: string;
  modified: string;
  rtmpsUrl: string;
  streamKey: string;
  srtUrl: string;
  srtStreamId: string;
  srtPassphrase: string;
  whipUrl: string;
  whepUrl: string;
};
type LiveInputOutputs = LiveInputInputs & LiveInputComputed;

const path = (accountId: string, uid = "") =>
  `/accounts/${accountId}/stream/live_inputs${uid ? `/${uid}` : ""}`;

function body({ accountId: _account, adopt: _adopt, ...write }: LiveInputInputs) {
  return write;
}

function computed(live: LiveInput): LiveInputComputed {
  return {
    uid: live.uid,
    created: live.created,
    modified: live.modified,
    rtmpsUrl: live.rtmps.url,
    streamKey: live.rtmps.streamKey,
    srtUrl: live.srt.url,
    srtStreamId: live.srt.streamId,
    srtPassphrase: live.srt.passphrase,
    whipUrl: live.webRTC.url,
    whepUrl: live.webRTCPlayback.url,
  };
}

/** The live object in the inputs' terms, for drift: every setting the API reports back. */
function settings(live: LiveInput) {
  return {
    meta: live.meta,
    enabled: live.enabled,
    recording: live.recording,
    deleteRecordingAfterDays: live.deleteRecordingAfterDays,
    ...(live.preferLowLatency !== undefined ? { preferLowLatency: live.preferLowLatency } : {}),
  };
}

async function put(api: CloudflareRest, uid: string, inputs: LiveInputInputs): Promise<LiveInputOutputs> {
  const live = await api.call("PUT", path(inputs.accountId, uid), liveInput, body(inputs));
  return { ...inputs, ...computed(live) };
}

/**
 * Stream live inputs (docs/reference/cloudflare-api.md §1). Every setting updates in place with a
 * PUT on the input's own uid — what the bridged provider cannot do (terraform-provider-cloudflare
 * v5.22.0 internal/services/stream_live_input/model.go addresses it by `live_input_identifier`, an
 * input nobody sets). Only a change of account replaces it.
 */
export const liveInputKind: CloudflareKind<LiveInputInputs, LiveInputOutputs> = {
  what: "live input",
  inputs: liveInputInputs,
  replaceOn: ["accountId"],
  async create(api, inputs) {
    const uid = inputs.adopt?.uid;
    if (uid) {
      const outs = await put(api, uid, inputs).catch((e: unknown) => {
        if (isNotFound(e))
          throw new Error(`cannot adopt live input ${uid}: account ${inputs.accountId} has none`);
        throw e;
      });
      return { id: uid, outs };
    }
    const live = await api.call("POST", path(inputs.accountId), liveInput, body(inputs));
    return { id: live.uid, outs: { ...inputs, ...computed(live) } };
  },
  async read(api, id, olds) {
    try {
      const live = await api.call("GET", path(olds.accountId, id), liveInput);
      return { ...olds, ...settings(live), ...computed(live) };
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  },
  update: (api, id, _olds, news) => put(api, id, news),
  async delete(api, id, olds) {
    await api.call("DELETE", path(olds.accountId, id), z.unknown());
  },
};
