import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import type { WorkersPlan } from "#contracts/cloudflare/workers-plan.ts";
import { writePrivateFile } from "#emulator/core/private-file.ts";

export const PROJECT = "realtime-stack";

/** Stack config as the Pulumi CLI hands it to a program: namespaced keys, structured values as JSON. */
export type ConfigMap = Record<string, string>;

/** Values local runs override; a `patch` file under the state folder holds the rest (e.g. rotation). */
export interface LocalOverrides {
  accountId: string;
  apiBase: string;
  realtimeApiBase: string;
  /** The deploy token, as `pulumi config set --secret cloudflare:apiToken` would hold it. */
  apiToken: string;
  /** The emulated account's Workers plan, which the Worker's `worker.plan` must name to fan out within it. */
  plan: WorkersPlan;
}

function isSecure(value: unknown): value is { secure: string } {
  return typeof value === "object" && value !== null && "secure" in value;
}

/**
 * `Pulumi.<stack>.yaml` as the CLI would pass it, except that encrypted (`secure:`) values, which
 * only the CLI can decrypt, are replaced by secrets generated once for this machine and kept in the
 * git-ignored state folder, so that the committed file never needs a real secret.
 */
/** Secrets every stack needs; a local run makes its own when the file leaves them to `pulumi config set --secret`. */
const REQUIRED_SECRETS = [`${PROJECT}:signingSecret`, `${PROJECT}:webhookSecret`];

export function readStackConfig(root: string, stack: string, stateDir: string): ConfigMap {
  const file = join(root, `Pulumi.${stack}.yaml`);
  if (!existsSync(file))
    throw new Error(`no ${file}: create the stack's config first (see docs/configuration.md)`);
  const doc = (parse(readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  const localSecrets = loadLocalSecrets(secretsFile(stateDir, stack));
  const config: ConfigMap = {};
  for (const [key, value] of Object.entries(doc.config ?? {})) {
    const plain = withLocalSecrets(value, key, localSecrets);
    config[key] = typeof plain === "string" ? plain : JSON.stringify(plain);
  }
  for (const key of REQUIRED_SECRETS) config[key] ??= localSecrets(key);
  // Secrets set since (a rotation's new slot), as `pulumi config set --secret` adds them to the file.
  // A name with a path (`key["name"]`) is a value nested in a structured one, already in place above.
  for (const [key, value] of Object.entries(readSecrets(secretsFile(stateDir, stack)))) {
    if (!key.includes("[")) config[key] ??= value;
  }
  return config;
}

/**
 * The value with each `secure:` value in it replaced by its local secret, named by its path as
 * `pulumi config set --path` writes it (`key["name"]`, `key[0]`): `pulumi config set --secret --path`
 * nests encrypted values inside a structured one, as the outputs' stream keys are.
 */
function withLocalSecrets(value: unknown, path: string, localSecrets: (key: string) => string): unknown {
  if (isSecure(value)) return localSecrets(path);
  if (Array.isArray(value)) return value.map((v, i) => withLocalSecrets(v, `${path}[${i}]`, localSecrets));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        withLocalSecrets(v, `${path}[${JSON.stringify(k)}]`, localSecrets),
      ]),
    );
  }
  return value;
}

const secretsFile = (stateDir: string, stack: string) => join(stateDir, `${stack}.secrets.json`);
const readSecrets = (file: string): Record<string, string> =>
  existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};

/** A secret set with `setSecret` (or generated for a `secure:` value), if there is one. */
export const readLocalSecret = (stateDir: string, stack: string, key: string): string | undefined =>
  readSecrets(secretsFile(stateDir, stack))[key];

/** `pulumi config set --secret <key> <value>` for a local stack: kept in the git-ignored, 0600 secrets file. */
export function writeLocalSecret(stateDir: string, stack: string, key: string, value: string): void {
  const file = secretsFile(stateDir, stack);
  writePrivateFile(file, JSON.stringify({ ...readSecrets(file), [key]: value }, null, 2));
}

function loadLocalSecrets(file: string): (key: string) => string {
  const secrets = readSecrets(file);
  return (key) => {
    if (!secrets[key]) {
      secrets[key] = randomBytes(32).toString("hex");
      writePrivateFile(file, JSON.stringify(secrets, null, 2));
    }
    return secrets[key];
  };
}

/**
 * Points the program at the emulator's account and APIs, tells the Worker the emulated account's
 * plan, and applies the local patch (rotation state).
 */
export function localConfig(base: ConfigMap, overrides: LocalOverrides, patch: ConfigMap): ConfigMap {
  const merged = { ...base, ...patch };
  const worker = merged[`${PROJECT}:worker`];
  return {
    ...merged,
    ...(worker === undefined
      ? {}
      : { [`${PROJECT}:worker`]: JSON.stringify({ ...JSON.parse(worker), plan: overrides.plan }) }),
    [`${PROJECT}:accountId`]: overrides.accountId,
    [`${PROJECT}:apiBase`]: overrides.apiBase,
    [`${PROJECT}:realtimeApiBase`]: overrides.realtimeApiBase,
    "cloudflare:apiToken": overrides.apiToken,
  };
}
