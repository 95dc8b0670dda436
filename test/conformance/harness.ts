import Cloudflare from "cloudflare";
import { afterAll, afterEach, beforeAll, beforeEach, expect } from "vitest";
import { EmulatorAdmin } from "#emulator/admin-client.ts";
import { type EmulatorOptions, type RunningEmulator, startEmulator } from "#emulator/server.ts";
import { OpenApiValidator } from "./openapi.ts";

/** One HTTP exchange as the SDK saw it on the wire. */
export interface Exchange {
  method: string;
  url: string;
  status: number;
  body: unknown;
}

const validator = new OpenApiValidator();

/** A `fetch` that keeps a copy of every response, so raw bodies can be checked after the SDK unwraps them. */
function recordingFetch(log: Exchange[]): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const res = await fetch(request);
    const text = await res.clone().text();
    const json = (res.headers.get("content-type") ?? "").includes("json") && text !== "";
    log.push({
      method: request.method,
      url: request.url,
      status: res.status,
      body: json ? JSON.parse(text) : text,
    });
    return res;
  };
}

export interface ConformanceContext {
  emu: RunningEmulator;
  admin: EmulatorAdmin;
  /** The official SDK pointed at the emulator, recording every exchange; the admin token by default. */
  sdk: (apiToken?: string) => Cloudflare;
  exchanges: Exchange[];
  /** Exchanges of the current test whose path the OpenAPI subset covers (all were validated). */
  covered: () => Exchange[];
}

/**
 * Starts one emulator for the file, resets it before each test, and after each test validates
 * every recorded response whose path is in the OpenAPI subset.
 */
export function conformanceSuite(options?: EmulatorOptions): ConformanceContext {
  const exchanges: Exchange[] = [];
  const ctx = {
    exchanges,
    sdk: (apiToken?: string) =>
      new Cloudflare({
        apiToken: apiToken ?? ctx.emu.adminToken,
        // Environment credentials must not leak into requests made to the emulator.
        apiKey: null,
        apiEmail: null,
        userServiceKey: null,
        baseURL: ctx.emu.apiBase,
        maxRetries: 0,
        fetch: recordingFetch(exchanges),
      }),
    // Path and method both in the subset: the exchanges whose bodies the validator really checked.
    covered: () => exchanges.filter((e) => validator.check(e.method, e.url, e.status, e.body).covered),
  } as ConformanceContext;

  beforeAll(async () => {
    ctx.emu = await startEmulator(options);
    ctx.admin = new EmulatorAdmin(ctx.emu.url, ctx.emu.adminToken);
  });
  afterAll(() => ctx.emu.close());
  beforeEach(async () => {
    await ctx.admin.reset();
    exchanges.length = 0;
  });
  afterEach(() => {
    for (const e of exchanges) validator.assertValid(e.method, e.url, e.status, e.body);
  });
  return ctx;
}

/** Runs `call`, expecting the SDK to reject with an `APIError` of this status and Cloudflare error code. */
export async function expectApiError(call: Promise<unknown>, status: number, code: number): Promise<void> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Cloudflare.APIError);
  const apiError = error as InstanceType<typeof Cloudflare.APIError>;
  expect(apiError.status).toBe(status);
  expect(apiError.errors[0]?.code).toBe(code);
}
