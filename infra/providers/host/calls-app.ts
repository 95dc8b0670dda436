import * as z from "zod/mini";
import {
  callsNameWrite,
  sfuApp,
  sfuAppWithSecret,
  turnKey,
  turnKeyWithKey,
} from "#contracts/cloudflare/calls.ts";
import { cfTag } from "#contracts/ids.ts";
import { onlyOnce } from "../../api/only-once.ts";
import type { CloudflareRest } from "../../cloudflare-rest.ts";
import { type CloudflareKind, isNotFound } from "./lifecycle.ts";

/** A TURN key or SFU app: a name, the account, and optionally an existing one to adopt with its secret. */
const callsAppInputs = z.strictObject({
  ...callsNameWrite.shape,
  accountId: cfTag,
  adopt: z.optional(z.strictObject({ uid: cfTag, secret: z.string().check(z.minLength(1)) })),
});
type CallsAppInputs = z.infer<typeof callsAppInputs>;

interface CallsApi {
  what: string;
  collection: "apps" | "turn_keys";
  /** The field create hands the secret out in, once (docs/reference/cloudflare-api.md §3, §4). */
  secretField: "secret" | "key";
  /** The id again under the name the program and the stack outputs use. */
  idField: "appId" | "keyId";
}

type CallsAppOutputs = CallsAppInputs & {
  uid: string;
  created: string;
  modified: string;
} & Record<string, unknown>;

/**
 * Realtime SFU apps and TURN keys share one API: POST creates (the secret comes back then only),
 * PUT renames in place, DELETE removes — each on the object's own uid, which the bridged provider
 * never fills in (terraform-provider-cloudflare v5.22.0 internal/services/calls_sfu_app/model.go and
 * calls_turn_app/model.go address them by `app_id` / `key_id`, inputs nobody sets).
 */
function callsAppKind({
  what,
  collection,
  secretField,
  idField,
}: CallsApi): CloudflareKind<CallsAppInputs, CallsAppOutputs> {
  const withSecret = secretField === "secret" ? sfuAppWithSecret : turnKeyWithKey;
  const plain = secretField === "secret" ? sfuApp : turnKey;
  const path = (accountId: string, uid = "") =>
    `/accounts/${accountId}/calls/${collection}${uid ? `/${uid}` : ""}`;
  const outputs = (inputs: CallsAppInputs, item: z.infer<typeof plain>, secret: string): CallsAppOutputs => ({
    ...inputs,
    uid: item.uid,
    [idField]: item.uid,
    [secretField]: secret,
    created: item.created,
    modified: item.modified,
  });
  const rename = (
    api: Parameters<CloudflareKind<CallsAppInputs, CallsAppOutputs>["create"]>[0],
    uid: string,
    inputs: CallsAppInputs,
  ) => api.call("PUT", path(inputs.accountId, uid), plain, { name: inputs.name ?? "" });
  /**
   * After a create whose answer was lost: what it made is deleted, and the create runs again.
   * Cloudflare hands the secret out in the create's answer only (docs/reference/cloudflare-api.md
   * §3, §4), so a key or app made by a lost create can never sign anything: taking it over would
   * deploy a credential with no secret, leaving it would spend the account's quota (1,000 TURN keys)
   * on an object nobody can use. Only objects with this name that were not there before the first
   * attempt are touched, so a key someone made by hand under the same name is left alone.
   */
  const clearLost = async (api: CloudflareRest, accountId: string, name: string, before: Set<string>) => {
    const made = (await api.call("GET", path(accountId), z.array(plain))).filter(
      (item) => item.name === name && !before.has(item.uid),
    );
    for (const item of made) {
      await api.call("DELETE", path(accountId, item.uid), z.unknown()).catch((e: unknown) => {
        if (!isNotFound(e)) throw e;
      });
    }
    return undefined;
  };
  return {
    what,
    inputs: callsAppInputs,
    replaceOn: ["accountId"],
    async create(api, inputs) {
      if (inputs.adopt) {
        const { uid, secret } = inputs.adopt;
        const item = await rename(api, uid, inputs).catch((e: unknown) => {
          if (isNotFound(e))
            throw new Error(`cannot adopt ${what} ${uid}: account ${inputs.accountId} has none`);
          throw e;
        });
        return { id: uid, outs: outputs(inputs, item, secret) };
      }
      const name = inputs.name ?? "";
      const uids = async () =>
        new Set((await api.call("GET", path(inputs.accountId), z.array(plain))).map((i) => i.uid));
      const item = await onlyOnce(api, `${what} "${name}"`, {
        before: uids,
        attempt: () => api.call("POST", path(inputs.accountId), withSecret, { name }),
        reconcile: (before) => clearLost(api, inputs.accountId, name, before),
        unresolved: `Cloudflare may hold a ${what} named "${name}" that no state holds, whose secret nobody saw: delete it`,
      });
      return { id: item.uid, outs: outputs(inputs, item, (item as Record<string, string>)[secretField]!) };
    },
    async read(api, id, olds) {
      try {
        const item = await api.call("GET", path(olds.accountId, id), plain);
        return { ...outputs(olds, item, String(olds[secretField])), name: item.name };
      } catch (e) {
        if (isNotFound(e)) return undefined;
        throw e;
      }
    },
    async update(api, id, olds, news) {
      return outputs(news, await rename(api, id, news), String(olds[secretField]));
    },
    async delete(api, id, olds) {
      await api.call("DELETE", path(olds.accountId, id), z.unknown());
    },
  };
}

export const turnKeyKind = callsAppKind({
  what: "TURN key",
  collection: "turn_keys",
  secretField: "key",
  idField: "keyId",
});
export const sfuAppKind = callsAppKind({
  what: "SFU app",
  collection: "apps",
  secretField: "secret",
  idField: "appId",
});
