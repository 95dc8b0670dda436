import * as z from "zod";
import { sfuApp, sfuAppWithSecret, turnKey, turnKeyWithKey } from "../../contracts/cloudflare/calls.ts";
import { accountPath, type LocalProvider, type Props } from "../provider.ts";

/**
 * SFU apps and TURN keys share one API shape; only the collection, the secret's field name and
 * the id's alias differ. The secret comes back on create only, so updates keep the stored one.
 */
function callsProvider(
  collection: string,
  secretField: "secret" | "key",
  idAlias: "appId" | "keyId",
): LocalProvider {
  const created = secretField === "secret" ? sfuAppWithSecret : turnKeyWithKey;
  const plain = secretField === "secret" ? sfuApp : turnKey;
  const path = (inputs: Props, id = "") => `${accountPath(inputs)}/calls/${collection}${id ? `/${id}` : ""}`;
  return {
    replaceOn: ["accountId"],
    async create(inputs, api) {
      const r = (await api.call("POST", path(inputs), created, { name: inputs.name ?? "" })) as Props;
      return { id: String(r.uid), outputs: { ...inputs, ...r, [idAlias]: r.uid } };
    },
    async update(id, inputs, api) {
      const r = await api.call("PUT", path(inputs, id), plain, { name: inputs.name ?? "" });
      return { ...inputs, ...r, [idAlias]: r.uid };
    },
    async delete(id, props, api) {
      await api.call("DELETE", path(props, id), z.unknown());
    },
  };
}

export const callsSfuApp = callsProvider("apps", "secret", "appId");
export const callsTurnApp = callsProvider("turn_keys", "key", "keyId");
