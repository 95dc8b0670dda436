import * as z from "zod/mini";
import {
  type LiveInputOutput,
  liveInputOutput,
  liveInputOutputCreate,
  liveInputOutputList,
} from "#contracts/cloudflare/stream.ts";
import { cfTag } from "#contracts/ids.ts";
import { onlyOnce } from "../../api/only-once.ts";
import type { CloudflareRest } from "../../cloudflare-rest.ts";
import { type CloudflareKind, isNotFound } from "./lifecycle.ts";

/** The create body (url, streamKey, enabled), the account, and the live input it forwards from. */
const outputInputs = z.strictObject({
  ...liveInputOutputCreate.shape,
  enabled: z.boolean(),
  accountId: cfTag,
  liveInputId: cfTag,
});
type OutputInputs = z.infer<typeof outputInputs>;
type OutputOutputs = OutputInputs & { uid: string };

const path = (inputs: Pick<OutputInputs, "accountId" | "liveInputId">, uid = "") =>
  `/accounts/${inputs.accountId}/stream/live_inputs/${inputs.liveInputId}/outputs${uid ? `/${uid}` : ""}`;

/** Cloudflare's docs example answers without `enabled`; absent reads as the default, true (§1.8). */
const outputs = (inputs: OutputInputs, live: LiveInputOutput): OutputOutputs => ({
  ...inputs,
  uid: live.uid,
  url: live.url,
  streamKey: live.streamKey,
  enabled: live.enabled ?? true,
});

const list = (api: CloudflareRest, inputs: Pick<OutputInputs, "accountId" | "liveInputId">) =>
  api.call("GET", path(inputs), liveInputOutputList);

/**
 * Stream live input outputs (docs/reference/cloudflare-api.md §1.8), which neither Terraform nor
 * @pulumi/cloudflare has a resource for. Cloudflare's update takes `enabled` only, so that is what
 * changes in place; another url, stream key, input or account replaces the output (the new one is
 * created before the old one is deleted). There is no GET of one output: read finds it in the
 * input's list, and an output missing from it (or an input gone) is gone.
 */
export const liveInputOutputKind: CloudflareKind<OutputInputs, OutputOutputs> = {
  what: "live input output",
  inputs: outputInputs,
  replaceOn: ["accountId", "liveInputId", "url", "streamKey"],
  async create(api, inputs) {
    const { url, streamKey, enabled } = inputs;
    const made = await onlyOnce(api, `output of live input ${inputs.liveInputId} to ${url}`, {
      before: async () => new Set((await list(api, inputs)).map((o) => o.uid)),
      attempt: () => api.call("POST", path(inputs), liveInputOutput, { url, streamKey, enabled }),
      // The url and stream key together name the target: an output with both that was not there
      // before the first attempt is the one a lost answer made, and is taken rather than doubled.
      reconcile: async (before) =>
        (await list(api, inputs)).find(
          (o) => o.url === url && o.streamKey === streamKey && !before.has(o.uid),
        ),
      unresolved: `Cloudflare may hold an output of live input ${inputs.liveInputId} to ${url} that no state holds: delete it before the next up`,
    });
    return { id: made.uid, outs: outputs(inputs, made) };
  },
  async read(api, id, olds) {
    try {
      const live = (await list(api, olds)).find((o) => o.uid === id);
      return live && outputs(olds, live);
    } catch (e) {
      // The input is gone, and its outputs with it.
      if (isNotFound(e)) return undefined;
      throw e;
    }
  },
  async update(api, id, _olds, news) {
    const live = await api.call("PUT", path(news, id), liveInputOutput, { enabled: news.enabled });
    return outputs(news, live);
  },
  async delete(api, id, olds) {
    await api.call("DELETE", path(olds, id), z.unknown());
  },
};
