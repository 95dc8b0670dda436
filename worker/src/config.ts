import * as z from "zod/mini";
import type { BindingCheck } from "#contracts/api/healthz.ts";
import { TURN_TTL_MIN } from "#contracts/api/realtime.ts";
import { TURN_TTL_MAX } from "#contracts/cloudflare/realtime.ts";
import { SIGNED_URL_MAX_TTL_SECONDS } from "#contracts/cloudflare/stream-keys.ts";
import { WORKERS_PLANS } from "#contracts/cloudflare/workers-plan.ts";
import { cfTag } from "#contracts/ids.ts";
import {
  DEFAULT_CF_API_BASE,
  DEFAULT_REALTIME_API_BASE,
  PLAIN_BINDINGS,
  type PlainBinding,
  type SCRIPT_CONFIG,
  SECRET_BINDINGS,
  type SecretBinding,
} from "#contracts/worker/bindings.ts";
import type { TenantMap } from "#contracts/worker/tenant-map.ts";
import { ApiError } from "./api-error.ts";
import { TENANT_MAP } from "./tenant-map.ts";

export type BindingName = PlainBinding | SecretBinding;
/** Every piece of configuration the Worker checks: its bindings, and the tenant map its script carries. */
export type ConfigName = BindingName | (typeof SCRIPT_CONFIG)[number];

/**
 * The plain and secret bindings as the runtime hands them over, typed `unknown` on purpose: they
 * come from outside (the Pulumi program, wrangler, tests) and are validated here.
 */
export type ConfigBindings = Partial<Record<BindingName, unknown>>;

const text = z.string().check(z.trim(), z.minLength(1), z.maxLength(128));
/** Secrets: long enough to be one, and no whitespace that a copy-paste would add. */
const secret = (minLength: number) => z.string().check(z.regex(new RegExp(`^\\S{${minLength},4096}$`)));
/** Plain-text bindings are strings; wrangler `vars` may also hand over a JSON number. */
const integer = (min: number, max: number) =>
  z.pipe(
    z.union([z.int(), z.pipe(z.string().check(z.regex(/^\d{1,9}$/)), z.transform(Number))]),
    z.int().check(z.gte(min), z.lte(max)),
  );
const apiBase = z.pipe(
  z.url({ protocol: /^https?$/ }),
  z.transform((url: string) => url.replace(/\/+$/, "")),
);

const SCHEMAS = {
  ACCOUNT_ID: cfTag,
  STACK: text,
  VERSION: text,
  TURN_KEY_ID: cfTag,
  SFU_APP_ID: cfTag,
  TENANT_KEY_GENERATION: integer(0, 999_999_999),
  PLAYBACK_KEY_ID: cfTag,
  PLAYBACK_TOKEN_TTL_DEFAULT: integer(60, SIGNED_URL_MAX_TTL_SECONDS),
  PLAYBACK_TOKEN_TTL_MAX: integer(60, SIGNED_URL_MAX_TTL_SECONDS),
  CREDENTIAL_TTL_DEFAULT: integer(TURN_TTL_MIN, TURN_TTL_MAX),
  CREDENTIAL_TTL_MAX: integer(TURN_TTL_MIN, TURN_TTL_MAX),
  CF_API_BASE: apiBase,
  REALTIME_API_BASE: apiBase,
  /** Absent or empty (the default): the stack has no probe input (`realtime-stack:probe.enabled: false`). */
  PROBE_LIVE_INPUT_ID: cfTag,
  WORKERS_PLAN: z.enum(WORKERS_PLANS),
  TURN_KEY_SECRET: secret(16),
  SFU_APP_SECRET: secret(16),
  STREAM_API_TOKEN: secret(16),
  /** Base64 of a private RSA JWK: a 2048-bit key's is about 2.3 KB. */
  PLAYBACK_KEY_JWK: secret(256),
  /** Keys every HMAC the Worker makes: at least 256 bits' worth of characters. */
  SIGNING_SECRET: secret(32),
  SIGNING_SECRET_FALLBACK: secret(32),
  WEBHOOK_SECRET: secret(16),
  WEBHOOK_SECRET_FALLBACK: secret(16),
} satisfies Record<BindingName, z.ZodMiniType>;

export type Config = { [K in BindingName]: z.output<(typeof SCHEMAS)[K]> } & { TENANTS: TenantMap };

/**
 * Absent, these point at Cloudflare itself, on Workers Paid; tests and the local stack point the
 * bases at the emulator. The program always binds all of them.
 */
const DEFAULTS: Partial<Config> = {
  CF_API_BASE: DEFAULT_CF_API_BASE,
  REALTIME_API_BASE: DEFAULT_REALTIME_API_BASE,
  PROBE_LIVE_INPUT_ID: "",
  WORKERS_PLAN: "paid",
  // A stack whose second slot was never filled binds none (infra/stack.ts): one secret to accept.
  SIGNING_SECRET_FALLBACK: "",
  WEBHOOK_SECRET_FALLBACK: "",
};

export interface ConfigReport {
  values: Partial<Config>;
  checks: Record<ConfigName, BindingCheck>;
}

/**
 * Validates every binding, and takes the tenant map the script carries; reports names and a
 * verdict, never a value or a parser message.
 */
function readConfig(env: Record<string, unknown>): ConfigReport {
  const values: Partial<Record<ConfigName, unknown>> = {};
  const checks = {} as Record<ConfigName, BindingCheck>;
  checks.TENANTS = TENANT_MAP.check;
  if (TENANT_MAP.map) values.TENANTS = TENANT_MAP.map;
  for (const name of [...PLAIN_BINDINGS, ...SECRET_BINDINGS]) {
    const raw = env[name];
    if (raw === undefined || raw === null || raw === "") {
      const fallback = DEFAULTS[name];
      checks[name] = fallback === undefined ? "missing" : "default";
      if (fallback !== undefined) values[name] = fallback;
      continue;
    }
    const parsed = SCHEMAS[name].safeParse(raw);
    checks[name] = parsed.success ? "ok" : "malformed";
    if (parsed.success) values[name] = parsed.data;
  }
  for (const [defaultName, maxName] of [
    ["CREDENTIAL_TTL_DEFAULT", "CREDENTIAL_TTL_MAX"],
    ["PLAYBACK_TOKEN_TTL_DEFAULT", "PLAYBACK_TOKEN_TTL_MAX"],
  ] as const) {
    const [byDefault, max] = [values[defaultName], values[maxName]];
    if (byDefault !== undefined && max !== undefined && (byDefault as number) > (max as number)) {
      checks[defaultName] = "malformed";
      delete values[defaultName];
    }
  }
  return { values: values as Partial<Config>, checks };
}

/** Bindings do not change within an isolate's life, so each env object is read once. */
const reports = new WeakMap<object, ConfigReport>();

export function configReport(env: object): ConfigReport {
  let report = reports.get(env);
  if (!report) {
    report = readConfig(env as Record<string, unknown>);
    reports.set(env, report);
  }
  return report;
}

export const isUsable = (check: BindingCheck) => check === "ok" || check === "default";

/** The named bindings, validated; or 503 `not_configured` naming the unusable ones. */
export function requireConfig<K extends ConfigName>(env: object, names: readonly K[]): Pick<Config, K> {
  const { values, checks } = configReport(env);
  const unusable = names.filter((name) => !isUsable(checks[name]));
  if (unusable.length > 0) {
    throw new ApiError("not_configured", `The Worker is missing configuration: ${unusable.join(", ")}`, {
      details: { bindings: unusable },
    });
  }
  return values as Pick<Config, K>;
}

/** The bindings each capability needs, so that one missing secret only takes down what uses it. */
export const NEEDS = {
  tenantAuth: ["TENANTS", "SIGNING_SECRET", "SIGNING_SECRET_FALLBACK", "TENANT_KEY_GENERATION"],
  sessionAuth: ["TENANTS", "SIGNING_SECRET", "SIGNING_SECRET_FALLBACK"],
  /** Reads are paid for from the asking tenant's share, which TENANTS sets. */
  stream: ["ACCOUNT_ID", "STREAM_API_TOKEN", "CF_API_BASE", "TENANTS"],
  /** The status sweep: what a read needs, and what plans the run (the plan, the probe input). */
  sweep: ["ACCOUNT_ID", "STREAM_API_TOKEN", "CF_API_BASE", "TENANTS", "WORKERS_PLAN", "PROBE_LIVE_INPUT_ID"],
  turn: [
    "TURN_KEY_ID",
    "TURN_KEY_SECRET",
    "CREDENTIAL_TTL_DEFAULT",
    "CREDENTIAL_TTL_MAX",
    "REALTIME_API_BASE",
  ],
  sfu: ["SFU_APP_ID", "SFU_APP_SECRET", "SIGNING_SECRET", "REALTIME_API_BASE"],
  webhook: ["WEBHOOK_SECRET", "WEBHOOK_SECRET_FALLBACK", "TENANTS", "PROBE_LIVE_INPUT_ID"],
  /** Signing private channels' playback tokens (the channel status objects sign their lifecycle reads too). */
  playback: [
    "TENANTS",
    "PLAYBACK_KEY_ID",
    "PLAYBACK_KEY_JWK",
    "PLAYBACK_TOKEN_TTL_DEFAULT",
    "PLAYBACK_TOKEN_TTL_MAX",
  ],
  probeAuth: ["SIGNING_SECRET", "SIGNING_SECRET_FALLBACK", "STACK", "TENANT_KEY_GENERATION"],
} as const satisfies Record<string, readonly ConfigName[]>;
