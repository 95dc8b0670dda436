import { cfFailure, cfSuccess } from "#contracts/cloudflare/envelope.ts";
import { workerScriptUpload } from "#contracts/cloudflare/workers.ts";
import { useEmulator } from "../../testing.ts";

/** A real ES module Worker: a fetch and a cron handler, and a Durable Object class. */
export const WORKER_SOURCE = `import { DurableObject } from "cloudflare:workers";
export class Room extends DurableObject {
  async fetch(request) { return new Response("room"); }
  async alarm() {}
}
const worker = {
  async fetch(request, env) { return new Response(env.GREETING ?? "hello"); },
  async scheduled(controller, env, ctx) {},
};
export default worker;
`;

export interface ModulePart {
  name: string;
  content: string | Uint8Array<ArrayBuffer>;
  type?: string;
}

/** A script upload body as wrangler sends it: a JSON `metadata` part, one part per module. */
export function uploadForm(metadata: unknown, modules: ModulePart[]): FormData {
  const form = new FormData();
  form.append("metadata", new Blob([JSON.stringify(metadata)], { type: "application/json" }));
  for (const m of modules) {
    form.append(m.name, new File([m.content], m.name, { type: m.type ?? "application/javascript+module" }));
  }
  return form;
}

/** The shared emulator suite, plus uploads under `/accounts/:id/workers`. */
export function useWorkersEmulator() {
  const ctx = useEmulator();

  /** A request under `/accounts/:id/workers`; JSON bodies get their content type. */
  const api = (path: string, init: RequestInit = {}, bearer = ctx.emu.adminToken) =>
    fetch(`${ctx.emu.apiBase}/accounts/${ctx.emu.accountId}/workers${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${bearer}`,
        ...(typeof init.body === "string" ? { "content-type": "application/json" } : {}),
        ...init.headers,
      },
    });

  const upload = (name: string, metadata: unknown, modules: ModulePart[], query = "") =>
    api(`/scripts/${name}${query}`, { method: "PUT", body: uploadForm(metadata, modules) });

  /** Uploads `WORKER_SOURCE` (with its Room class migrated in) and returns the parsed result. */
  const deploy = async (name: string, metadata: Record<string, unknown> = {}) => {
    const res = await upload(
      name,
      { main_module: "worker.js", compatibility_date: "2026-08-01", ...metadata },
      [{ name: "worker.js", content: WORKER_SOURCE }],
    );
    return cfSuccess(workerScriptUpload).parse(await res.json()).result;
  };

  return { ctx, api, upload, deploy };
}

/** The error codes of a failed response, after checking it is Cloudflare's failure envelope. */
export async function errorCodes(res: Response): Promise<number[]> {
  return cfFailure.parse(await res.json()).errors.map((e) => e.code);
}
