import { env } from "cloudflare:workers";
import type { Hono } from "hono";
import { inject } from "vitest";
import { deriveTenantKey } from "#contracts/tenant-key.ts";
import { SECRET_BINDINGS } from "#contracts/worker/bindings.ts";
import type { AppEnv } from "../../src/env.ts";
import worker from "../../src/index.ts";
import "./fixture.ts";

export const fixture = () => inject("fixture");

/** The values of the Worker's secret bindings, none of which may ever leave it. */
export const secretValues = () => SECRET_BINDINGS.map((name) => fixture().bindings[name]!);

export const WORKER_ORIGIN = "http://worker.test";

/** The key a tenant's backend holds, for the current generation. */
export const tenantKey = (tenantId: string, generation = Number(fixture().bindings.TENANT_KEY_GENERATION)) =>
  deriveTenantKey(fixture().bindings.SIGNING_SECRET!, tenantId, generation);

export interface CallOptions {
  method?: string;
  /** Sent as `X-Tenant-ID`. */
  tenant?: string;
  /** Sent as `Authorization: Bearer <bearer>`. */
  bearer?: string;
  /** JSON-encoded unless already a string. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Another app than the deployed one (e.g. with injected upstream options), with the test env. */
  app?: { app: { fetch: Hono<AppEnv>["fetch"] }; env: object };
}

export interface Answer {
  status: number;
  headers: Headers;
  /** The parsed JSON body, or the raw text when it is not JSON. */
  json: unknown;
  text: string;
}

export function request(path: string, options: CallOptions = {}): Request {
  const headers = new Headers(options.headers);
  if (options.tenant !== undefined) headers.set("x-tenant-id", options.tenant);
  if (options.bearer !== undefined) headers.set("authorization", `Bearer ${options.bearer}`);
  const body =
    options.body === undefined
      ? undefined
      : typeof options.body === "string"
        ? options.body
        : JSON.stringify(options.body);
  if (body !== undefined && !headers.has("content-type")) headers.set("content-type", "application/json");
  return new Request(`${WORKER_ORIGIN}${path}`, {
    method: options.method ?? "GET",
    headers,
    ...(body === undefined ? {} : { body }),
  });
}

/**
 * One request through the Worker's default export with its bindings, in this workerd. Called
 * directly rather than through `exports.default.fetch`, whose per-call cost grows with every call
 * made in a test file (pool-workers 0.15): thousands of generated requests would take minutes.
 */
export async function call(path: string, options: CallOptions = {}): Promise<Answer> {
  const target = options.app ?? { app: worker, env };
  const res = await target.app.fetch(request(path, options), target.env);
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, headers: res.headers, json, text };
}

/** A call as tenant `tenantId` with its own valid key. */
export async function callAs(tenantId: string, path: string, options: CallOptions = {}): Promise<Answer> {
  return call(path, { ...options, tenant: tenantId, bearer: await tenantKey(tenantId) });
}

/** The emulator's admin surface, from inside workerd. */
export async function emulatorAdmin<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${fixture().emulatorUrl}/__emulator${path}`, {
    method,
    headers: { authorization: `Bearer ${fixture().adminToken}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return ((await res.json()) as { result: T }).result;
}
