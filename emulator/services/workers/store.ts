import { createHash } from "node:crypto";
import type {
  WorkerAssetsConfig,
  WorkerBinding,
  WorkerDomain,
  WorkerObservability,
  WorkerPlacement,
  WorkerTailConsumer,
  WorkerUsageModel,
} from "#contracts/cloudflare/workers.ts";
import { Collection } from "../../core/collection.ts";
import { orNotFound } from "../../core/errors.ts";
import type { Section, StateFile } from "../../core/state-file.ts";

export interface StoredWorkerModule {
  name: string;
  content_type: string;
  size: number;
  sha256: string;
  /** The module's bytes in base64; named so that `redact` hides it in the admin state snapshot. */
  base64Text: string;
}

export interface StoredScript {
  id: string;
  /** Hash of the uploaded content: it changes with the code, not with settings or secrets. */
  etag: string;
  created_on: string;
  modified_on: string;
  /** Set for ES-module Workers; `body_part` for service-worker syntax. */
  main_module?: string;
  body_part?: string;
  modules: StoredWorkerModule[];
  handlers: string[];
  named_handlers: { name: string; handlers: string[] }[];
  compatibility_date: string;
  compatibility_flags: string[];
  /** As deployed, secret values included: every read path strips them. */
  bindings: WorkerBinding[];
  logpush: boolean;
  observability: WorkerObservability | null;
  tags: string[];
  tail_consumers: WorkerTailConsumer[];
  usage_model: WorkerUsageModel;
  placement: WorkerPlacement;
  limits?: { cpu_ms?: number };
  migration_tag?: string;
  /** Durable Object classes created by migrations and not deleted since. */
  durableObjectClasses: { name: string; storage: "sqlite" | "legacy-kv" }[];
  schedules: { cron: string; created_on: string; modified_on: string }[];
  subdomain: { enabled: boolean; previews_enabled: boolean };
  /** The version's static assets, when its upload redeemed an assets completion token. */
  assets?: StoredAssets;
}

/** A version's static assets: each path's file (by hash, in the account's asset files) and how they are served. */
export interface StoredAssets {
  manifest: Record<string, { hash: string; size: number }>;
  config: WorkerAssetsConfig;
}

/** An uploaded asset file, shared by every version that lists its hash. */
export interface StoredAssetFile {
  /** As the file's part declared it; Cloudflare serves the file with it. */
  content_type: string;
  /** The file's bytes in base64; named so that `redact` hides it in the admin state snapshot. */
  base64Text: string;
}

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
  /** The static assets by path, as the version serves them. */
  assets: Map<string, { contentType: string; bytes: Uint8Array<ArrayBuffer> }>;
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
export function modulesEntryFirst(script: Readonly<StoredScript>): StoredWorkerModule[] {
  const entry = script.main_module ?? script.body_part;
  return [...script.modules].sort((a, b) => Number(b.name === entry) - Number(a.name === entry));
}

/** A zone's route to a Worker (`/zones/:zone_id/workers/routes`). */
export interface StoredWorkerRoute {
  id: string;
  zoneId: string;
  pattern: string;
  script?: string;
}

interface WorkersSection {
  scripts: Record<string, StoredScript>;
  /** The account's `<subdomain>.workers.dev`. */
  workersSubdomain: string;
  /** Zone routes and custom domains that send traffic to the scripts (absent in older state files). */
  workerRoutes: Record<string, StoredWorkerRoute>;
  workerDomains: Record<string, WorkerDomain>;
  /** Static asset files by hash (absent in older state files). */
  assetFiles: Record<string, StoredAssetFile>;
}

const DEFAULT_SUBDOMAIN = "local-emulator";
const SCRIPT = "Worker script";
const ROUTE = "Route";
const DOMAIN = "Domain";
const ASSET_FILE = "Asset file";

/** Worker scripts (code, settings, secrets, schedules, workers.dev route) and the account's subdomain. */
export class WorkersStore {
  private scripts: Collection<StoredScript>;
  private accountSubdomain: string;
  private routes: Collection<StoredWorkerRoute>;
  private domains: Collection<WorkerDomain>;
  private assetFiles: Collection<StoredAssetFile>;
  private readonly section: Section<WorkersSection>;
  private readonly resetListeners: (() => void)[] = [];

  constructor(state: StateFile) {
    this.section = state.section<WorkersSection>(
      ["scripts", "workersSubdomain", "workerRoutes", "workerDomains", "assetFiles"],
      () => ({
        scripts: this.scripts.toJSON(),
        workersSubdomain: this.accountSubdomain,
        workerRoutes: this.routes.toJSON(),
        workerDomains: this.domains.toJSON(),
        assetFiles: this.assetFiles.toJSON(),
      }),
    );
    this.scripts = new Collection(SCRIPT, this.section.loaded?.scripts);
    this.accountSubdomain = this.section.loaded?.workersSubdomain ?? DEFAULT_SUBDOMAIN;
    this.routes = new Collection(ROUTE, this.section.loaded?.workerRoutes);
    this.domains = new Collection(DOMAIN, this.section.loaded?.workerDomains);
    this.assetFiles = new Collection(ASSET_FILE, this.section.loaded?.assetFiles);
  }

  hasAssetFile(hash: string): boolean {
    return this.assetFiles.get(hash) !== undefined;
  }

  /** Stores an upload's files together: one write of the state file, however many files. */
  putAssetFiles(files: ReadonlyMap<string, StoredAssetFile>): void {
    for (const [hash, file] of files) this.assetFiles.set(hash, file);
    this.section.changed();
  }

  /** A zone's routes; another zone's are not its to see. */
  zoneRoutes(zoneId: string): Readonly<StoredWorkerRoute>[] {
    return this.routes.values().filter((r) => r.zoneId === zoneId);
  }

  /** The zone's route, or Cloudflare's 404 (10007), also for another zone's route. */
  findRoute(zoneId: string, id: string): Readonly<StoredWorkerRoute> {
    return orNotFound(zoneId === this.routes.get(id)?.zoneId ? this.routes.get(id) : undefined, ROUTE);
  }

  putRoute(route: StoredWorkerRoute): void {
    this.routes.set(route.id, route);
    this.section.changed();
  }

  deleteRoute(zoneId: string, id: string): Readonly<StoredWorkerRoute> {
    const route = this.findRoute(zoneId, id);
    this.routes.remove(id);
    this.section.changed();
    return route;
  }

  listDomains(): Readonly<WorkerDomain>[] {
    return this.domains.values();
  }

  findDomain(id: string): Readonly<WorkerDomain> {
    return this.domains.find(id);
  }

  domainFor(hostname: string): Readonly<WorkerDomain> | undefined {
    return this.domains.values().find((d) => d.hostname === hostname);
  }

  putDomain(domain: WorkerDomain): void {
    this.domains.set(domain.id, domain);
    this.section.changed();
  }

  deleteDomain(id: string): void {
    this.domains.remove(id);
    this.section.changed();
  }

  list(): Readonly<StoredScript>[] {
    return this.scripts.values();
  }

  get(name: string): Readonly<StoredScript> | undefined {
    return this.scripts.get(name);
  }

  /** The script, or Cloudflare's 404 (10007). */
  find(name: string): Readonly<StoredScript> {
    return this.scripts.find(name);
  }

  /** Stores a new script or a new version of one, as the routes computed it. */
  put(script: StoredScript): void {
    this.scripts.set(script.id, script);
    this.section.changed();
  }

  delete(name: string): void {
    this.scripts.remove(name);
    this.section.changed();
  }

  get subdomain(): string {
    return this.accountSubdomain;
  }

  setSubdomain(subdomain: string): void {
    this.accountSubdomain = subdomain;
    this.section.changed();
  }

  /**
   * The uploaded Worker `name` as the emulator would run it, for in-process checks of what an upload
   * stored. It carries secret values, so it is never served over HTTP.
   */
  readScript(name: string): DeployedScript | undefined {
    const script = this.scripts.get(name);
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
      assets: new Map(
        Object.entries(script.assets?.manifest ?? {}).map(([path, { hash }]) => {
          const file = this.assetFiles.find(hash);
          return [
            path,
            { contentType: file.content_type, bytes: new Uint8Array(Buffer.from(file.base64Text, "base64")) },
          ];
        }),
      ),
      etag: script.etag,
      modifiedOn: script.modified_on,
    };
  }

  /** Runs `listener` at each reset, for what the service keeps beside the state (upload sessions). */
  onReset(listener: () => void): void {
    this.resetListeners.push(listener);
  }

  reset(): void {
    for (const listener of this.resetListeners) listener();
    this.scripts = new Collection(SCRIPT);
    this.accountSubdomain = DEFAULT_SUBDOMAIN;
    this.routes = new Collection(ROUTE);
    this.domains = new Collection(DOMAIN);
    this.assetFiles = new Collection(ASSET_FILE);
    this.section.changed();
  }
}
