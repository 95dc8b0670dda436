import { randomBytes } from "node:crypto";
import type { Readable } from "node:stream";
import { Miniflare } from "miniflare";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { apiSuccess } from "#contracts/api/envelope.ts";
import { healthzData } from "#contracts/api/healthz.ts";
import { tenantStreamStatus } from "#contracts/api/stream.ts";
import { SUBREQUESTS_PER_INVOCATION, type WorkersPlan } from "#contracts/cloudflare/workers-plan.ts";
import { deriveTenantKey } from "#contracts/tenant-key.ts";
import { sweepPlan } from "#contracts/worker/status-sweep.ts";
import { embedTenantMap, type TenantMap } from "#contracts/worker/tenant-map.ts";
import {
  cloudflareApiSplit,
  DEFAULT_WORKER_CLOUDFLARE_API_PER_5_MINUTES,
} from "#contracts/worker/upstream-shares.ts";
import { buildWorkerBundle, type WorkerBundle } from "#infra/worker-bundle.ts";
import { COMPATIBILITY_DATE, COMPATIBILITY_FLAGS, DURABLE_OBJECTS } from "#infra/worker-settings.ts";

/**
 * The bundled Worker in workerd with 3,000 live inputs, every fetch it makes (its channel status objects'
 * included) answered by a fake Cloudflare that counts them: API reads of live inputs, and lifecycle
 * checks on the delivery host. The cron is fired as Cloudflare fires it, each run a minute on.
 */
const ACCOUNT = "0123456789abcdef0123456789abcdef";
const API = "https://api.cloudflare.com/client/v4";
const DELIVERY = "https://customer-fakecode.cloudflarestream.com";
const uid = () => randomBytes(16).toString("hex");

function tenantMapOf(tenants: number, channels: number): TenantMap {
  return {
    playbackBase: DELIVERY,
    cloudflareApiPer5Minutes: DEFAULT_WORKER_CLOUDFLARE_API_PER_5_MINUTES,
    tenants: Object.fromEntries(
      Array.from({ length: tenants }, (_, t) => [
        `tenant-${t}`,
        { channels: Object.fromEntries(Array.from({ length: channels }, (_, c) => [`channel-${c}`, uid()])) },
      ]),
    ),
  };
}

/** What the fake Cloudflare was asked, in order. */
interface Asked {
  apiReads: string[];
  lifecycleChecks: string[];
  other: string[];
}

function liveInput(id: string) {
  const at = new Date().toISOString();
  return {
    uid: id,
    created: at,
    modified: at,
    meta: {},
    enabled: true,
    deleteRecordingAfterDays: null,
    recording: {
      mode: "off",
      requireSignedURLs: false,
      allowedOrigins: null,
      timeoutSeconds: 0,
      hideLiveViewerCount: false,
    },
    rtmps: { url: "rtmps://live.cloudflare.com:443/live/", streamKey: "k" },
    rtmpsPlayback: { url: "rtmps://live.cloudflare.com:443/live/", streamKey: "k" },
    srt: { url: "srt://live.cloudflare.com:778", streamId: "s", passphrase: "p" },
    srtPlayback: { url: "srt://live.cloudflare.com:778", streamId: "s", passphrase: "p" },
    webRTC: { url: `${DELIVERY}/secret/webRTC/publish` },
    webRTCPlayback: { url: `${DELIVERY}/${id}/webRTC/play` },
    status: null,
  };
}

function fakeCloudflare(asked: Asked) {
  return (request: Request): Response => {
    const url = new URL(request.url);
    const read = new RegExp(`^/client/v4/accounts/${ACCOUNT}/stream/live_inputs/([0-9a-f]{32})$`).exec(
      url.pathname,
    );
    if (request.method === "GET" && url.origin === new URL(API).origin && read) {
      asked.apiReads.push(read[1]!);
      return Response.json({ success: true, errors: [], messages: [], result: liveInput(read[1]!) });
    }
    const lifecycle = /^\/([0-9a-f]{32})\/lifecycle$/.exec(url.pathname);
    if (request.method === "GET" && url.origin === DELIVERY && lifecycle) {
      asked.lifecycleChecks.push(lifecycle[1]!);
      return Response.json({ isInput: true, videoUID: null, live: false });
    }
    asked.other.push(`${request.method} ${request.url}`);
    return new Response("not found", { status: 404 });
  };
}

interface Running {
  mf: Miniflare;
  signingSecret: string;
  asked: Asked;
  /** The Worker's `status_sweep` log line of each run. */
  runs: Record<string, number>[];
  cron(minute: number): Promise<void>;
}

let bundle: WorkerBundle;
beforeAll(async () => {
  bundle = await buildWorkerBundle();
});

const running: Running[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.mf.dispose();
});

async function start(map: TenantMap, plan: WorkersPlan): Promise<Running> {
  const asked: Asked = { apiReads: [], lifecycleChecks: [], other: [] };
  const runs: Record<string, number>[] = [];
  // The run's log line reaches this process on workerd's stdout, after the run: waited for.
  let logged: (() => void) | undefined;
  const secret = () => randomBytes(24).toString("base64url");
  const signingSecret = randomBytes(32).toString("base64url");
  const mf = new Miniflare({
    modules: [{ type: "ESModule", path: bundle.mainModule, contents: embedTenantMap(bundle.content, map) }],
    compatibilityDate: COMPATIBILITY_DATE,
    compatibilityFlags: COMPATIBILITY_FLAGS,
    durableObjects: Object.fromEntries(DURABLE_OBJECTS.map((d) => [d.binding, d.className])),
    bindings: {
      ACCOUNT_ID: ACCOUNT,
      STACK: "scale",
      VERSION: "scale-test",
      TURN_KEY_ID: uid(),
      SFU_APP_ID: uid(),
      TENANT_KEY_GENERATION: "1",
      CREDENTIAL_TTL_DEFAULT: "86400",
      CREDENTIAL_TTL_MAX: "172800",
      PROBE_LIVE_INPUT_ID: uid(),
      WORKERS_PLAN: plan,
      TURN_KEY_SECRET: secret(),
      SFU_APP_SECRET: secret(),
      STREAM_API_TOKEN: secret(),
      SIGNING_SECRET: signingSecret,
      WEBHOOK_SECRET: secret(),
    },
    outboundService: fakeCloudflare(asked),
    unsafeTriggerHandlers: true,
    handleRuntimeStdio: (stdout: Readable, stderr: Readable) => {
      let pending = "";
      stdout.setEncoding("utf8").on("data", (chunk: string) => {
        const lines = (pending + chunk).split("\n");
        pending = lines.pop()!;
        for (const line of lines) {
          if (!line.includes('"event":"status_sweep"')) continue;
          runs.push(JSON.parse(line.slice(line.indexOf("{"))));
          logged?.();
        }
      });
      stderr.resume();
    },
  });
  await mf.ready;
  const start = Date.UTC(2026, 11, 1);
  const r: Running = {
    mf,
    signingSecret,
    asked,
    runs,
    async cron(minute) {
      const time = start + minute * 60_000;
      const ran = new Promise<void>((resolve) => (logged = resolve));
      const res = await mf.dispatchFetch(
        `http://localhost/cdn-cgi/handler/scheduled?cron=*+*+*+*+*&time=${time}`,
      );
      await res.arrayBuffer();
      expect(res.ok).toBe(true);
      await ran;
    },
  };
  running.push(r);
  return r;
}

const liveInputsOf = (map: TenantMap) =>
  Object.values(map.tenants).reduce((sum, t) => sum + Object.keys(t.channels).length, 0);

describe("the Worker at 3,000 live inputs", () => {
  it("reads no more from the API in 5 minutes than the sweep's share, however often the cron fires", async () => {
    const map = tenantMapOf(1_000, 3);
    const { asked, runs, cron } = await start(map, "paid");
    const budget = { per5Minutes: map.cloudflareApiPer5Minutes, liveInputs: liveInputsOf(map) };
    const share = cloudflareApiSplit(budget, Object.values(map.tenants)).refresh;
    const plan = sweepPlan(budget.liveInputs + 1, share, "paid");
    // Ten runs in well under 5 minutes of real time: twice what the plan spreads over 5 minutes.
    for (let minute = 0; minute < 10; minute++) await cron(minute);
    expect(runs).toHaveLength(10);
    for (const run of runs) expect(run.read! + run.refused! + run.failed!).toBe(plan.readsPerRun);
    expect(asked.apiReads).toHaveLength(share);
    expect(new Set(asked.apiReads).size).toBe(share);
    expect(asked.apiReads.length).toBeLessThanOrEqual(map.cloudflareApiPer5Minutes);
    expect(runs.slice(5).every((run) => run.refused === plan.readsPerRun)).toBe(true);
    expect(asked.other).toEqual([]);
  }, 120_000);

  for (const plan of ["free", "paid"] as const) {
    it(`fans each run out within Workers ${plan}'s ${SUBREQUESTS_PER_INVOCATION[plan]} subrequests`, async () => {
      // 100 tenants of 30 channels leave the sweep a large share: more than Free lets one run call.
      const map = tenantMapOf(100, 30);
      const { asked, runs, cron } = await start(map, plan);
      const budget = { per5Minutes: map.cloudflareApiPer5Minutes, liveInputs: liveInputsOf(map) };
      const share = cloudflareApiSplit(budget, Object.values(map.tenants)).refresh;
      const expected = sweepPlan(budget.liveInputs + 1, share, plan);
      // Free runs twice, to see consecutive slices; one Paid run calls 196 holders already.
      const minutes = plan === "free" ? 2 : 1;
      for (let minute = 0; minute < minutes; minute++) await cron(minute);
      for (const run of runs) {
        const calls = run.read! + run.refused! + run.failed!;
        expect(calls).toBe(expected.readsPerRun);
        expect(calls).toBeLessThan(SUBREQUESTS_PER_INVOCATION[plan]);
      }
      // Each call read one input once: a slice per run, no input twice.
      expect(runs).toHaveLength(minutes);
      expect(asked.apiReads).toHaveLength(minutes * expected.readsPerRun);
      expect(new Set(asked.apiReads).size).toBe(asked.apiReads.length);
      expect(asked.apiReads.length).toBeLessThanOrEqual(share);
    }, 120_000);
  }

  it("reads no more than the configured budget with tenants' dashboards and the sweep together", async () => {
    const map = tenantMapOf(1_000, 3);
    const { mf, signingSecret, asked, cron } = await start(map, "paid");
    // 60 tenants' dashboards ask for all their channels, on a Worker that knows none yet (each
    // first read of an input creates its holder), ten at a time, so that one machine's workerd
    // answers each within the upstream deadline.
    const answers: { status: number; body: unknown }[] = [];
    const tenants = Object.keys(map.tenants).slice(0, 60);

    for (let i = 0; i < tenants.length; i += 10) {
      answers.push(
        ...(await Promise.all(
          tenants.slice(i, i + 10).map(async (tenant) => {
            const key = await deriveTenantKey(signingSecret, tenant, 1);
            const res = await mf.dispatchFetch("http://localhost/api/stream/status", {
              headers: { "x-tenant-id": tenant, authorization: `Bearer ${key}` },
            });
            return { status: res.status, body: await res.json() };
          }),
        )),
      );
    }
    for (let minute = 0; minute < 5; minute++) await cron(minute);
    // A tenant's share is one read per 5 minutes at this scale; past it, the sweep's share pays
    // for reading what the Worker has never read; past both, 429 until the window moves on.
    const served = answers.filter((a) => a.status === 200);
    for (const a of served)
      expect(apiSuccess(tenantStreamStatus).parse(a.body).data.channels).toHaveLength(3);
    expect(answers.filter((a) => a.status !== 200 && a.status !== 429)).toEqual([]);
    expect(asked.apiReads.length).toBeLessThanOrEqual(map.cloudflareApiPer5Minutes);
    expect(asked.apiReads.length).toBeGreaterThanOrEqual(60);
    expect(new Set(asked.apiReads).size).toBe(asked.apiReads.length);
    expect(asked.lifecycleChecks).toEqual([]);
  }, 180_000);

  it("says in /healthz how long one refresh cycle takes at this scale", async () => {
    const map = tenantMapOf(1_000, 3);
    const { mf } = await start(map, "free");
    const health = apiSuccess(healthzData).parse(
      await (await mf.dispatchFetch("http://localhost/healthz")).json(),
    );
    const share = cloudflareApiSplit(
      { per5Minutes: 1_140, liveInputs: 3_000 },
      Object.values(map.tenants),
    ).refresh;
    expect(health.data.refresh).toEqual({
      plan: "free",
      live_inputs: 3_001,
      liveness_max_age_seconds: 10,
      api_sweep: {
        per_5_minutes: share,
        reads_per_run: share / 5,
        cycle_seconds: Math.ceil(3_001 / (share / 5)) * 60,
      },
    });
  }, 60_000);
});
