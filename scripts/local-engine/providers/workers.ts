import * as z from "zod";
import { accountPath, type LocalProvider, type Props, snakeKeys } from "../provider.ts";

const scriptPath = (inputs: Props) => `${accountPath(inputs)}/workers/scripts/${String(inputs.scriptName)}`;

/** The multipart upload the provider sends: a `metadata` part and the main module. */
function uploadForm(inputs: Props): FormData {
  const mainModule = String(inputs.mainModule ?? "index.js");
  const {
    compatibilityDate,
    compatibilityFlags,
    bindings,
    migrations,
    keepBindings,
    observability,
    logpush,
  } = inputs;
  const metadata = snakeKeys({
    mainModule,
    compatibilityDate,
    compatibilityFlags,
    bindings,
    migrations,
    keepBindings,
    observability,
    logpush,
  });
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

const schedules = z.object({ schedules: z.array(z.object({ cron: z.string() }).loose()) }).loose();

export const workersCronTrigger: LocalProvider = {
  replaceOn: ["accountId", "scriptName"],
  async create(inputs, api) {
    return {
      id: String(inputs.scriptName),
      outputs: await this.update(String(inputs.scriptName), inputs, api),
    };
  },
  async update(_id, inputs, api) {
    const body = ((inputs.schedules ?? []) as { cron: string }[]).map(({ cron }) => ({ cron }));
    await api.call("PUT", `${scriptPath(inputs)}/schedules`, schedules, body);
    return { ...inputs };
  },
  async delete(_id, props, api) {
    await api.call("PUT", `${scriptPath(props)}/schedules`, schedules, []);
  },
};

const subdomain = z.object({ enabled: z.boolean() }).loose();

export const workersScriptSubdomain: LocalProvider = {
  replaceOn: ["accountId", "scriptName"],
  async create(inputs, api) {
    return {
      id: String(inputs.scriptName),
      outputs: await this.update(String(inputs.scriptName), inputs, api),
    };
  },
  async update(_id, inputs, api) {
    const body = { enabled: inputs.enabled ?? true, previews_enabled: inputs.previewsEnabled ?? false };
    await api.call("POST", `${scriptPath(inputs)}/subdomain`, subdomain, body);
    return { ...inputs };
  },
  async delete(_id, props, api) {
    await api.call("DELETE", `${scriptPath(props)}/subdomain`, z.unknown());
  },
};
