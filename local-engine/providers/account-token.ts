import * as z from "zod";
import { token, tokenWithValue } from "#contracts/cloudflare/tokens.ts";
import { accountPath, camelKeys, type LocalProvider, type Props, snakeKeys } from "../provider.ts";

type Policy = { effect: string; resources: string; permissionGroups: { id: string }[] };

/** Pulumi gives `resources` as a JSON string; the API wants the object. */
function body(inputs: Props) {
  const policies = ((inputs.policies ?? []) as Policy[]).map((p) => ({
    effect: p.effect,
    resources: JSON.parse(p.resources),
    permission_groups: p.permissionGroups.map((g) => ({ id: g.id })),
  }));
  const { name, expiresOn, notBefore, condition } = inputs;
  return { ...(snakeKeys({ name, expiresOn, notBefore, condition }) as Props), policies };
}

function outputs(inputs: Props, r: z.infer<typeof token>): Props {
  const { policies: _wirePolicies, ...rest } = r;
  return { ...inputs, ...(camelKeys(rest) as Props) };
}

const path = (inputs: Props, id = "") => `${accountPath(inputs)}/tokens${id ? `/${id}` : ""}`;

// Mirrors terraform-provider-cloudflare v5.22.0 internal/services/account_token/resource.go: the value
// comes back from create only; update PUTs the token's settings.
export const accountToken: LocalProvider = {
  replaceOn: ["accountId"],
  async create(inputs, api) {
    const r = await api.call("POST", path(inputs), tokenWithValue, body(inputs));
    return { id: r.id, outputs: { ...outputs(inputs, r), value: r.value } };
  },
  async update(id, inputs, api) {
    return outputs(inputs, await api.call("PUT", path(inputs, id), token, body(inputs)));
  },
  async delete(id, props, api) {
    await api.call("DELETE", path(props, id), z.unknown());
  },
};
