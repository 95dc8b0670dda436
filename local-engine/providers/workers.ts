import * as z from "zod";
import type { CloudflareRest } from "#infra/cloudflare-rest.ts";
import { accountPath, type LocalProvider, type Props, snakeKeys } from "../provider.ts";
import { assetManifest, assetManifestSha256, uploadAssets } from "./workers-assets.ts";

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

/** The declared static assets: a directory the provider uploads, and how they are served. */
interface AssetsInput {
  directory?: string;
  jwt?: string;
  config?: Props;
}

/**
 * The multipart upload the provider sends: a `metadata` part and the main module. The metadata's
 * `assets` carries the completion token and the config; the directory stays on the provider's host.
 */
function uploadForm(inputs: Props, assetsJwt: string | undefined): FormData {
  const mainModule = String(inputs.mainModule ?? "index.js");
  const declared = Object.fromEntries(METADATA_INPUTS.map((k) => [k, inputs[k]]));
  const { config } = (inputs.assets ?? {}) as AssetsInput;
  const assets = assetsJwt || config ? { jwt: assetsJwt, config } : undefined;
  const metadata = snakeKeys({ mainModule, ...declared, assets });
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

/**
 * The assets first (a directory is uploaded unless a token is given), then the script. The state
 * keeps the assets as declared plus the manifest's hash, not the spent token: the provider saves
 * its copy of `assets` from before `handleAssets` set the token.
 */
async function upload(inputs: Props, api: CloudflareRest): Promise<Props> {
  const assets = inputs.assets as AssetsInput | undefined;
  const manifest = assets?.directory ? assetManifest(assets.directory) : undefined;
  const jwt = assets?.jwt || (manifest ? await uploadAssets(inputs, manifest, api) : undefined);
  const r = await api.call("PUT", scriptPath(inputs), uploaded, uploadForm(inputs, jwt));
  return {
    ...inputs,
    ...(manifest ? { assets: { ...assets, assetManifestSha256: assetManifestSha256(manifest) } } : {}),
    etag: r.etag,
    modifiedOn: r.modified_on,
  };
}

// Mirrors terraform-provider-cloudflare v5.22.0 internal/services/workers_script/resource.go: one
// multipart upload for create and update, its assets uploaded before it, replaced only for another
// account or script name.
export const workersScript: LocalProvider = {
  replaceOn: ["accountId", "scriptName"],
  async create(inputs, api) {
    return { id: String(inputs.scriptName), outputs: await upload(inputs, api) };
  },
  async update(_id, inputs, api) {
    return upload(inputs, api);
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
