import * as z from "zod/mini";
import { type LiveInput, liveInput, liveInputList, liveInputWrite } from "#contracts/cloudflare/stream.ts";
import { cfTag } from "#contracts/ids.ts";
import { onlyOnce } from "../../api/only-once.ts";
import type { CloudflareRest } from "../../cloudflare-rest.ts";
import { type CloudflareKind, deepEqual, isNotFound } from "./lifecycle.ts";

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
 * After a create whose answer was lost: the input with exactly this meta, taken over as the
 * resource's with the declared settings (the list carries no credentials, the PUT answers them). The
 * program's meta names one stack's one channel (infra/resources/live-inputs.ts), so an input that
 * carries it is this resource's: the one just made, or an orphan an earlier lost create left, which
 * is better adopted than doubled. The newest wins when there are several.
 */
async function takeOverLost(
  api: CloudflareRest,
  inputs: LiveInputInputs,
): Promise<LiveInputOutputs | undefined> {
  const meta = inputs.meta ?? {};
  if (Object.keys(meta).length === 0) {
    throw new Error("an input without meta cannot be told from any other");
  }
  const { liveInputs, total } = await api.call("GET", path(inputs.accountId), liveInputList);
  const mine = liveInputs
    .filter((input) => deepEqual(input.meta, meta))
    .sort((a, b) => b.created.localeCompare(a.created));
  if (mine[0]) return put(api, mine[0].uid, inputs);
  // The list answers with every input (docs/reference/cloudflare-api.md §1.1); a shorter one proves nothing.
  if (liveInputs.length < total) {
    throw new Error(`the account listed ${liveInputs.length} of its ${total} live inputs`);
  }
  return undefined;
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
    const outs = await onlyOnce(api, `live input ${JSON.stringify(inputs.meta ?? {})}`, {
      before: async () => undefined,
      attempt: async () => ({
        ...inputs,
        ...computed(await api.call("POST", path(inputs.accountId), liveInput, body(inputs))),
      }),
      reconcile: () => takeOverLost(api, inputs),
      unresolved: `Cloudflare may hold a live input the state does not know: find the one with this meta, then adopt it (realtime-stack:adopt.liveInputs) or delete it before the next up`,
    });
    return { id: outs.uid, outs };
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
