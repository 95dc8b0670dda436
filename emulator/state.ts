import { existsSync, readFileSync } from "node:fs";
import type { LiveInputRecording } from "../contracts/cloudflare/stream.ts";
import type {
  WorkerBinding,
  WorkerDomain,
  WorkerObservability,
  WorkerPlacement,
  WorkerTailConsumer,
  WorkerUsageModel,
} from "../contracts/cloudflare/workers.ts";
import { newHexSecret, newTag, newTokenValue } from "./ids.ts";
import { writePrivateFile } from "./private-file.ts";
import type { StoredWorkerRoute } from "./routes/workers/zone-routes.ts";

export interface StoredToken {
  id: string;
  name: string;
  value: string;
  status: "active" | "disabled" | "expired";
  /** The bootstrap token holds every permission on every account, like a Super Administrator. */
  superAdmin: boolean;
  policies: {
    id: string;
    effect: "allow" | "deny";
    resources: Record<string, string | Record<string, string>>;
    permission_groups: { id: string; name?: string }[];
  }[];
  condition?: { "request.ip"?: { in?: string[]; not_in?: string[] } };
  issued_on: string;
  modified_on: string;
  last_used_on: string | null;
  expires_on?: string;
  not_before?: string;
}

export interface StoredLiveInput {
  uid: string;
  created: string;
  modified: string;
  meta: Record<string, unknown>;
  enabled: boolean;
  deleteRecordingAfterDays: number | null;
  preferLowLatency: boolean;
  defaultCreator?: string;
  keysRotatedAt?: string;
  recording: LiveInputRecording;
  streamKey: string;
  playbackKey: string;
  srtStreamId: string;
  srtPassphrase: string;
  srtPlaybackStreamId: string;
  srtPlaybackPassphrase: string;
  whipSecret: string;
  /** Cloudflare's state string, or null when nothing ever connected. */
  state: string | null;
  stateEnteredAt: string | null;
  history: { state: string; statusEnteredAt: string }[];
  /** The uid of the video of the current broadcast, while connected. */
  currentVideoUid: string | null;
}

export interface StoredCallsApp {
  uid: string;
  name: string;
  created: string;
  modified: string;
  secret: string;
}

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
}

export interface StoredWebhook {
  id: string;
  name: string;
  url: string;
  secret?: string;
  type: string;
  created_at: string;
  last_success: string | null;
  last_failure: string | null;
}

export interface StoredPolicy {
  id: string;
  name: string;
  alert_type: string;
  enabled: boolean;
  description?: string;
  mechanisms: { webhooks?: { id: string }[]; email?: { id: string }[]; pagerduty?: { id: string }[] };
  filters?: Record<string, string[]>;
  created: string;
  modified: string;
}

export interface StoredSfuSession {
  id: string;
  appId: string;
  created: string;
  closed: boolean;
  tracks: {
    mid: string;
    trackName: string;
    location: "local" | "remote";
    kind?: string;
    sessionId?: string;
    status: "active" | "inactive";
  }[];
}

/** Everything the emulator knows, as plain JSON so that it can be persisted and snapshotted. */
export interface EmulatorData {
  accountId: string;
  /** The `customer-<code>` part of Stream delivery hosts. */
  customerCode: string;
  /** Shared with a local coturn (`static-auth-secret`) so that TURN credentials work there. */
  turnSharedSecret: string;
  tokens: Record<string, StoredToken>;
  liveInputs: Record<string, StoredLiveInput>;
  sfuApps: Record<string, StoredCallsApp>;
  turnKeys: Record<string, StoredCallsApp>;
  scripts: Record<string, StoredScript>;
  webhooks: Record<string, StoredWebhook>;
  policies: Record<string, StoredPolicy>;
  sfuSessions: Record<string, StoredSfuSession>;
  /** TURN usernames revoked through the Realtime API. */
  revokedTurnUsernames: string[];
  workersSubdomain: string;
  /** Zone Worker routes and account Worker custom domains (absent in state files from before them). */
  workerRoutes?: Record<string, StoredWorkerRoute>;
  workerDomains?: Record<string, WorkerDomain>;
}

export interface SeedOptions {
  accountId?: string;
  adminToken?: string;
  turnSharedSecret?: string;
}

function freshData(seed: SeedOptions = {}): EmulatorData {
  const adminId = newTag();
  const issued = new Date().toISOString();
  return {
    accountId: seed.accountId ?? newTag(),
    customerCode: newTag().slice(0, 16),
    turnSharedSecret: seed.turnSharedSecret ?? newHexSecret(),
    tokens: {
      [adminId]: {
        id: adminId,
        name: "emulator admin",
        value: seed.adminToken ?? newTokenValue(),
        status: "active",
        superAdmin: true,
        policies: [],
        issued_on: issued,
        modified_on: issued,
        last_used_on: null,
      },
    },
    liveInputs: {},
    sfuApps: {},
    turnKeys: {},
    scripts: {},
    webhooks: {},
    policies: {},
    sfuSessions: {},
    revokedTurnUsernames: [],
    workersSubdomain: "local-emulator",
  };
}

/** The in-memory store, with optional persistence to one JSON file after each change. */
export class EmulatorState {
  data: EmulatorData;

  constructor(
    seed: SeedOptions,
    private readonly file?: string,
  ) {
    this.data = file ? (loadFile(file) ?? freshData(seed)) : freshData(seed);
    this.persist();
  }

  get adminToken(): string {
    const admin = Object.values(this.data.tokens).find((t) => t.superAdmin);
    if (!admin) throw new Error("the emulator state has no admin token");
    return admin.value;
  }

  /** Back to a fresh account that keeps the same account id, admin token and TURN secret. */
  reset(): void {
    this.data = freshData({
      accountId: this.data.accountId,
      adminToken: this.adminToken,
      turnSharedSecret: this.data.turnSharedSecret,
    });
    this.persist();
  }

  persist(): void {
    if (this.file) writePrivateFile(this.file, JSON.stringify(this.data));
  }

  tokenByValue(value: string): StoredToken | undefined {
    return Object.values(this.data.tokens).find((t) => t.value === value);
  }
}

/** No file yet: a fresh account. A file that cannot be read is an error, never a silent new account. */
function loadFile(file: string): EmulatorData | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as EmulatorData;
  } catch (e) {
    throw new Error(
      `the emulator state file ${file} is unreadable (${(e as Error).message}); move it away to start afresh`,
    );
  }
}
