import * as z from "zod/mini";
import { streamSigningKeyCreated, streamSigningKeyList } from "#contracts/cloudflare/stream-keys.ts";
import { cfTag } from "#contracts/ids.ts";
import { onlyOnce } from "../../api/only-once.ts";
import type { CloudflareRest } from "../../cloudflare-rest.ts";
import type { CloudflareKind } from "./lifecycle.ts";

/** A signing key has nothing to set but the account it lives in. */
const signingKeyInputs = z.strictObject({ accountId: cfTag });
type SigningKeyInputs = z.infer<typeof signingKeyInputs>;

type SigningKeyOutputs = SigningKeyInputs & {
  keyId: string;
  created: string;
  /** Base64 of the PKCS#1 PEM: secret, handed out by create only. */
  pem: string;
  /** Base64 of the private JWK the Worker signs with: secret, handed out by create only. */
  jwk: string;
};

const path = (accountId: string, id = "") => `/accounts/${accountId}/stream/keys${id ? `/${id}` : ""}`;

const listKeys = (api: CloudflareRest, accountId: string) =>
  api.call("GET", path(accountId), streamSigningKeyList);

/**
 * Stream signing keys (docs/reference/cloudflare-api.md §11.1): create hands out `pem` and `jwk`
 * once, the list holds ids and times only, there is no per-key GET and no update. Read goes
 * through the list, so that a key revoked out of band is noticed (the bridged `StreamKey` reads the
 * list as one object and never notices, terraform-provider-cloudflare #7317): a refresh forgets it,
 * and the next `up` creates a new key, whose material the Worker's binding then carries.
 */
export const signingKeyKind: CloudflareKind<SigningKeyInputs, SigningKeyOutputs> = {
  what: "Stream signing key",
  inputs: signingKeyInputs,
  replaceOn: ["accountId"],
  async create(api, inputs) {
    const key = await onlyOnce(api, "Stream signing key", {
      before: async () => undefined,
      attempt: () => api.call("POST", path(inputs.accountId), streamSigningKeyCreated),
      /**
       * A key made by a create whose answer was lost can never sign anything (its material was in
       * that answer only), yet it cannot be told apart from a key another slot or stack created at
       * the same moment: keys carry no name. Deleting the wrong one would revoke every token it
       * signed, so the lost key is left (one of Cloudflare's 1,000) and the create runs again.
       */
      reconcile: async () => undefined,
      unresolved: "",
    });
    return {
      id: key.id,
      outs: { ...inputs, keyId: key.id, created: key.created, pem: key.pem, jwk: key.jwk },
    };
  },
  async read(api, id, olds) {
    const listed = (await listKeys(api, olds.accountId)).find((key) => key.id === id);
    return listed ? { ...olds, keyId: listed.id, created: listed.created } : undefined;
  },
  async update(_api, _id, olds, news) {
    return { ...olds, ...news };
  },
  async delete(api, id, olds) {
    await api.call("DELETE", path(olds.accountId, id), z.unknown());
  },
};
