import * as z from "zod";
import { accountPath, type LocalProvider, type Props } from "../provider.ts";

const created = z.object({ id: z.string() }).loose();
const alerting = (inputs: Props) => `${accountPath(inputs)}/alerting/v3`;

/** Computed fields as the API's answer carries them (create and update answer with the id alone). */
const computedOf = (r: z.infer<typeof created>) => (typeof r.type === "string" ? { type: r.type } : {});

// Mirrors terraform-provider-cloudflare v5.22.0 internal/services/notification_policy_webhooks/resource.go:
// create POSTs and keeps what the answer says, so `type` is Cloudflare's (unset until it says one).
export const notificationPolicyWebhooks: LocalProvider = {
  replaceOn: ["accountId"],
  async create(inputs, api) {
    const { name, url, secret } = inputs;
    const r = await api.call("POST", `${alerting(inputs)}/destinations/webhooks`, created, {
      name,
      url,
      secret,
    });
    return { id: r.id, outputs: { ...inputs, ...computedOf(r) } };
  },
  async update(id, inputs, api) {
    const { name, url, secret } = inputs;
    const r = await api.call("PUT", `${alerting(inputs)}/destinations/webhooks/${id}`, created, {
      name,
      url,
      secret,
    });
    return { ...inputs, ...computedOf(r) };
  },
  async delete(id, props, api) {
    await api.call("DELETE", `${alerting(props)}/destinations/webhooks/${id}`, z.unknown());
  },
};

/** Pulumi's plural filter and mechanism names back to the API's (`inputIds` → `input_id`). */
function policyBody(inputs: Props) {
  const mechanisms = (inputs.mechanisms ?? {}) as { webhooks?: { id: string }[] };
  const filters = (inputs.filters ?? {}) as { inputIds?: string[] };
  return {
    name: inputs.name,
    alert_type: inputs.alertType,
    enabled: inputs.enabled ?? true,
    ...(inputs.description ? { description: inputs.description } : {}),
    mechanisms: { webhooks: (mechanisms.webhooks ?? []).map(({ id }) => ({ id })) },
    ...(filters.inputIds ? { filters: { input_id: filters.inputIds } } : {}),
  };
}

// Mirrors terraform-provider-cloudflare v5.22.0 internal/services/notification_policy/resource.go.
export const notificationPolicy: LocalProvider = {
  replaceOn: ["accountId"],
  async create(inputs, api) {
    const r = await api.call("POST", `${alerting(inputs)}/policies`, created, policyBody(inputs));
    return { id: r.id, outputs: { ...inputs } };
  },
  async update(id, inputs, api) {
    await api.call("PUT", `${alerting(inputs)}/policies/${id}`, created, policyBody(inputs));
    return { ...inputs };
  },
  async delete(id, props, api) {
    await api.call("DELETE", `${alerting(props)}/policies/${id}`, z.unknown());
  },
};
