import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { apiFailure } from "#contracts/api/envelope.ts";
import { callAs, emulatorAdmin, fixture } from "../../test/support/api.ts";
import { createApp } from "../app.ts";
import { UpstreamError, type UpstreamErrorCode, type UpstreamOptions } from "./http.ts";
import { SfuClient } from "./sfu.ts";
import { StreamClient } from "./stream.ts";
import { TurnClient } from "./turn.ts";

/**
 * The upstream fault matrix: every fault the emulator can inject, on each upstream, with a short
 * deadline. Each upstream uses resources of its own, so that its faults touch no other test.
 */
const DEADLINE_MS = 500;
const options: UpstreamOptions = { deadlineMs: DEADLINE_MS, random: () => 0.5 };

interface Target {
  name: string;
  /** Fault-rule glob of the upstream path. */
  path: () => string;
  call: () => Promise<unknown>;
  /** Whether the call is safe to repeat, hence retried. */
  idempotent: boolean;
}

let sfuSession = "";
const bindings = () => fixture().bindings;
const realtime = () => bindings().REALTIME_API_BASE!;
const targets: Target[] = [
  {
    name: "Stream GET live input",
    path: () => `/client/v4/accounts/*/stream/live_inputs/${fixture().liveInputs.acme!.matrix}`,
    call: () =>
      new StreamClient(
        {
          ACCOUNT_ID: bindings().ACCOUNT_ID!,
          STREAM_API_TOKEN: bindings().STREAM_API_TOKEN!,
          CF_API_BASE: bindings().CF_API_BASE!,
        },
        options,
      ).getLiveInput(fixture().liveInputs.acme!.matrix!),
    idempotent: true,
  },
  {
    name: "TURN generate-ice-servers (POST)",
    path: () => `/v1/turn/keys/${fixture().isolated.faults.turnKey.id}/credentials/**`,
    call: () =>
      new TurnClient(
        {
          TURN_KEY_ID: fixture().isolated.faults.turnKey.id,
          TURN_KEY_SECRET: fixture().isolated.faults.turnKey.secret,
          REALTIME_API_BASE: realtime(),
        },
        options,
      ).generateIceServers(3600),
    idempotent: false,
  },
  {
    name: "SFU sessions/new (POST)",
    path: () => `/v1/apps/${fixture().isolated.faults.sfuApp.id}/sessions/new`,
    call: () => sfuClient().newSession(),
    idempotent: false,
  },
  {
    name: "SFU session GET",
    path: () => `/v1/apps/${fixture().isolated.faults.sfuApp.id}/sessions/${sfuSession}`,
    call: () => sfuClient().getSession(sfuSession),
    idempotent: true,
  },
];

function sfuClient() {
  const app = fixture().isolated.faults.sfuApp;
  return new SfuClient(
    { SFU_APP_ID: app.id, SFU_APP_SECRET: app.secret, REALTIME_API_BASE: realtime() },
    options,
  );
}

const faultIds: string[] = [];
async function inject(path: string, action: object) {
  faultIds.push((await emulatorAdmin<{ id: string }>("POST", "/faults", { path, action })).id);
}
const lastSeq = async () =>
  Math.max(0, ...(await emulatorAdmin<{ seq: number }[]>("GET", "/requests")).map((r) => r.seq));
const sentSince = async (since: number, path: string) =>
  (await emulatorAdmin<{ path: string }[]>("GET", `/requests?since=${since}`)).filter((r) =>
    new RegExp(`^${path.replaceAll("**", ".*").replaceAll("*", "[^/]*")}$`).test(r.path),
  ).length;

beforeAll(async () => {
  sfuSession = (await sfuClient().newSession()).sessionId;
});
afterEach(async () => {
  for (const id of faultIds.splice(0)) await emulatorAdmin("DELETE", `/faults/${id}`);
});

async function failure(target: Target): Promise<{ error: UpstreamError; ms: number }> {
  const startedAt = Date.now();
  const error = await target.call().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  return { error: error as UpstreamError, ms: Date.now() - startedAt };
}

describe.each(targets)("$name", (target) => {
  const attemptsOnTransientFailure = target.idempotent ? 3 : 1;

  it.each<[string, UpstreamErrorCode, object]>([
    ["HTTP 500", "server_error", { type: "status", status: 500 }],
    ["malformed JSON", "invalid_response", { type: "malformed" }],
  ])("%s: %s, tried only as often as is safe", async (_label, code, action) => {
    await inject(target.path(), action);
    const since = await lastSeq();
    const { error } = await failure(target);
    expect(error.code).toBe(code);
    expect(error.retryable).toBe(true);
    expect(await sentSince(since, target.path())).toBe(attemptsOnTransientFailure);
  });

  it("429 with a Retry-After beyond the deadline: rate_limited at once, with the wait", async () => {
    await inject(target.path(), { type: "rate_limit", retryAfter: 30 });
    const since = await lastSeq();
    const { error } = await failure(target);
    expect(error.code).toBe("rate_limited");
    expect(error.detail.retryAfterSeconds).toBe(30);
    expect(await sentSince(since, target.path())).toBe(1);
  });

  it.each([
    ["no answer at all", { type: "hang", ms: 20_000 }],
    ["an answer slower than the deadline", { type: "latency", ms: 3_000 }],
  ])("%s: timeout when the deadline passes, not later", async (_label, action) => {
    await inject(target.path(), action);
    const { error, ms } = await failure(target);
    expect(error.code).toBe("timeout");
    expect(ms).toBeGreaterThanOrEqual(DEADLINE_MS - 50);
    expect(ms).toBeLessThan(DEADLINE_MS + 400);
  });

  it("a slow answer within the deadline succeeds", async () => {
    await inject(target.path(), { type: "latency", ms: 100 });
    await expect(target.call()).resolves.toBeDefined();
  });
});

describe("upstream faults through the Worker", () => {
  const faultEnv = () => ({
    ...env,
    TURN_KEY_ID: fixture().isolated.faults.turnKey.id,
    TURN_KEY_SECRET: fixture().isolated.faults.turnKey.secret,
    SFU_APP_ID: fixture().isolated.faults.sfuApp.id,
    SFU_APP_SECRET: fixture().isolated.faults.sfuApp.secret,
  });
  const routes = [
    { path: "/api/realtime/turn", body: {}, fault: () => targets[1]!.path() },
    {
      path: "/api/realtime/sfu",
      body: { room_id: "r", user_id: "u", user_name: "U" },
      fault: () => targets[2]!.path(),
    },
  ];

  it.each(
    routes.flatMap((route) => [
      {
        route,
        label: "HTTP 503",
        action: { type: "status", status: 503 },
        status: 502,
        code: "upstream_error",
      },
      {
        route,
        label: "malformed JSON",
        action: { type: "malformed" },
        status: 502,
        code: "upstream_invalid_response",
      },
      {
        route,
        label: "429",
        action: { type: "rate_limit", retryAfter: 7 },
        status: 429,
        code: "upstream_rate_limited",
      },
      {
        route,
        label: "no answer",
        action: { type: "hang", ms: 20_000 },
        status: 503,
        code: "upstream_timeout",
      },
      {
        route,
        label: "HTTP 401",
        action: { type: "status", status: 401 },
        status: 502,
        code: "upstream_auth_failed",
      },
    ]),
  )("$route.path, $label: $status $code", async ({ route, action, status, code }) => {
    await inject(route.fault(), action);
    const app = { app: createApp({ upstream: options }), env: faultEnv() };
    const res = await callAs("acme", route.path, { method: "POST", body: route.body, app });
    expect(res.status).toBe(status);
    expect(apiFailure.parse(res.json).error.code).toBe(code);
    if (status === 429) expect(res.headers.get("retry-after")).toBe("7");
  });
});
