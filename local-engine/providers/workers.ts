import * as z from "zod";
import type { CloudflareRest } from "#infra/cloudflare-rest.ts";
import { accountPath, type LocalProvider, type Props, snakeKeys } from "../provider.ts";

const scriptPath = (inputs: Props) => `${accountPath(inputs)}/workers/scripts/${String(inputs.scriptName)}`;

/** The WorkersScript inputs that travel in the upload's `metadata` part, besides the main module. */
const METADATA_INPUTS = [
  "compatibilityDate",
  "compatibilityFlags",
  "bindings",
  "migrations",
  "keepBindings",
  "observability",
  "logpush",
] as const;

/** The multipart upload the provider sends: a `metadata` part and the main module. */
function uploadForm(inputs: Props): FormData {
  const mainModule = String(inputs.mainModule ?? "index.js");
  const declared = Object.fromEntries(METADATA_INPUTS.map((k) => [k, inputs[k]]));
  const metadata = snakeKeys({ mainModule, ...declared });
  const form = new FormData();
  form.append("metadata", new Blob([JSON.stringify(metadata)], { type: "application/json" }));
  form.append(
    mainModule,
    new Blob([String(inputs.content ?? "")], { type: "application/javascript+module" }),
    mainModule,
  );
  return form;
}

const uploaded = z.object({ id: z.string(), etag: z.string(), modified_on: z.string() }).loose();

// Mirrors terraform-provider-cloudflare v5.22.0 internal/services/workers_script/resource.go: one
// multipart upload for create and update, replaced only for another account or script name.
export const workersScript: LocalProvider = {
  replaceOn: ["accountId", "scriptName"],
  async create(inputs, api) {
    const r = await api.call("PUT", scriptPath(inputs), uploaded, uploadForm(inputs));
    return { id: String(inputs.scriptName), outputs: { ...inputs, etag: r.etag, modifiedOn: r.modified_on } };
  },
  async update(_id, inputs, api) {
    const r = await api.call("PUT", scriptPath(inputs), uploaded, uploadForm(inputs));
    return { ...inputs, etag: r.etag, modifiedOn: r.modified_on };
  },
  async delete(_id, props, api) {
    await api.call("DELETE", scriptPath(props), z.unknown());
  },
};

/**
 * A per-script setting (cron triggers, the workers.dev switch): it exists as long as the script
 * does, so create is a first write, identified by the script's name.
 */
function scriptSetting(
  write: (inputs: Props, api: CloudflareRest) => Promise<unknown>,
  remove: (props: Props, api: CloudflareRest) => Promise<unknown>,
): LocalProvider {
  return {
    replaceOn: ["accountId", "scriptName"],
    async create(inputs, api) {
      await write(inputs, api);
      return { id: String(inputs.scriptName), outputs: { ...inputs } };
    },
    async update(_id, inputs, api) {
      await write(inputs, api);
      return { ...inputs };
    },
    async delete(_id, props, api) {
      await remove(props, api);
    },
  };
}

const schedules = z.object({ schedules: z.array(z.object({ cron: z.string() }).loose()) }).loose();
const putSchedules = (inputs: Props, api: CloudflareRest, crons: { cron: string }[]) =>
  api.call(
    "PUT",
    `${scriptPath(inputs)}/schedules`,
    schedules,
    crons.map(({ cron }) => ({ cron })),
  );

// Mirrors terraform-provider-cloudflare v5.22.0 internal/services/workers_cron_trigger/resource.go: its
// Delete is empty, so the schedules stay on the script until the script itself is deleted.
export const workersCronTrigger = scriptSetting(
  (inputs, api) => putSchedules(inputs, api, (inputs.schedules ?? []) as { cron: string }[]),
  async () => {},
);

const subdomain = z.object({ enabled: z.boolean() }).loose();

// Mirrors terraform-provider-cloudflare v5.22.0 internal/services/workers_script_subdomain/resource.go.
export const workersScriptSubdomain = scriptSetting(
  (inputs, api) =>
    api.call("POST", `${scriptPath(inputs)}/subdomain`, subdomain, {
      enabled: inputs.enabled ?? true,
      previews_enabled: inputs.previewsEnabled ?? false,
    }),
  (props, api) => api.call("DELETE", `${scriptPath(props)}/subdomain`, z.unknown()),
);
