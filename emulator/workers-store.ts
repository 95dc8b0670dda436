import { createHash } from "node:crypto";
import type { WorkerBinding } from "../contracts/cloudflare/workers.ts";
import { ownEntry } from "./routes/lookup.ts";
import type { EmulatorState, StoredScript, StoredWorkerModule } from "./state.ts";

/** One module of an uploaded Worker, as bytes. */
export interface WorkerModule {
  name: string;
  /** Without parameters, e.g. `application/javascript+module`. */
  contentType: string;
  bytes: Uint8Array<ArrayBuffer>;
}

/** Everything needed to run an uploaded Worker, e.g. in workerd. */
export interface DeployedScript {
  name: string;
  /** `modules` for ES-module Workers, `service-worker` for `body_part` scripts. */
  format: "modules" | "service-worker";
  /** The entry module's name: `main_module`, or the `body_part` of a service-worker script. */
  mainModule: string;
  modules: WorkerModule[];
  compatibilityDate: string;
  compatibilityFlags: string[];
  /** As uploaded and updated since, secret values included. */
  bindings: WorkerBinding[];
  durableObjectClasses: { name: string; storage: "sqlite" | "legacy-kv" }[];
  crons: string[];
  etag: string;
  modifiedOn: string;
}

export function storeModule(module: WorkerModule): StoredWorkerModule {
  return {
    name: module.name,
    content_type: module.contentType,
    size: module.bytes.byteLength,
    sha256: createHash("sha256").update(module.bytes).digest("hex"),
    base64Text: Buffer.from(module.bytes).toString("base64"),
  };
}

export function moduleOf(stored: StoredWorkerModule): WorkerModule {
  return {
    name: stored.name,
    contentType: stored.content_type,
    bytes: new Uint8Array(Buffer.from(stored.base64Text, "base64")),
  };
}

/** The entry module first, as Cloudflare's content download puts it. */
export function modulesEntryFirst(script: StoredScript): StoredWorkerModule[] {
  const entry = script.main_module ?? script.body_part;
  return [...script.modules].sort((a, b) => Number(b.name === entry) - Number(a.name === entry));
}

/**
 * The uploaded Worker `name` as the emulator would run it, for in-process checks of what an upload
 * stored. It carries secret values, so it is never served over HTTP.
 */
export function readScript(state: EmulatorState, name: string): DeployedScript | undefined {
  const script = ownEntry(state.data.scripts, name);
  if (!script) return undefined;
  return {
    name,
    format: script.main_module === undefined ? "service-worker" : "modules",
    mainModule: (script.main_module ?? script.body_part)!,
    modules: modulesEntryFirst(script).map(moduleOf),
    compatibilityDate: script.compatibility_date,
    compatibilityFlags: [...script.compatibility_flags],
    bindings: structuredClone(script.bindings),
    durableObjectClasses: structuredClone(script.durableObjectClasses),
    crons: script.schedules.map((s) => s.cron),
    etag: script.etag,
    modifiedOn: script.modified_on,
  };
}
