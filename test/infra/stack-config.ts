import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { PROJECT } from "./evaluate.ts";

/** Values as a stack file holds them (`realtime-stack:worker: {…}`) to the string map Pulumi passes on. */
export function asPulumiConfig(values: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).map(([key, value]) => [
      key,
      typeof value === "string" ? value : JSON.stringify(value),
    ]),
  );
}

const fakeSecret = () => randomBytes(32).toString("base64url");

/** Pulumi.dev.yaml as committed, plus the secrets a user sets with `pulumi config set --secret`. */
export function devStackValues(): Record<string, unknown> {
  const file = parse(readFileSync(new URL("../../Pulumi.dev.yaml", import.meta.url), "utf8")) as {
    config: Record<string, unknown>;
  };
  return {
    ...file.config,
    [`${PROJECT}:signingSecret`]: fakeSecret(),
    [`${PROJECT}:webhookSecret`]: fakeSecret(),
  };
}

/** Pulumi.dev.yaml with `tenants` tenants of `channels` channels each, for scale runs. */
export function scaledStackValues(tenants: number, channels: number): Record<string, unknown> {
  return {
    ...devStackValues(),
    [`${PROJECT}:tenants`]: Array.from({ length: tenants }, (_, t) => ({
      id: `tenant-${t}`,
      allowedOrigins: [`https://tenant-${t}.example`],
      channels: Array.from({ length: channels }, (_, c) => ({ name: `channel-${c}` })),
    })),
  };
}

/** Only the tenant list of `scaledStackValues`, as config to lay over the dev stack's file. */
export function scaledTenantsConfig(tenants: number, channels: number): Record<string, string> {
  const key = `${PROJECT}:tenants`;
  return asPulumiConfig({ [key]: scaledStackValues(tenants, channels)[key] });
}

/** A copy of `values` with `path` (below one config key) replaced by `value`. */
export function withValue(values: Record<string, unknown>, key: string, path: string[], value: unknown) {
  const copy = structuredClone(values);
  let node = copy[`${PROJECT}:${key}`] as Record<string, unknown>;
  for (const p of path.slice(0, -1)) node = node[p] as Record<string, unknown>;
  node[path.at(-1)!] = value;
  return copy;
}
