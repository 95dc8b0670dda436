import Cloudflare from "cloudflare";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { FaultRuleInput } from "#emulator/core/faults.ts";
import { CloudflareRest } from "#infra/cloudflare-rest.ts";
import { deploySummary } from "#scripts/deploy/run.ts";
import { CouldNotRun } from "#scripts/lib/cli.ts";
import { type Progress, type ProgressRow, silentProgress } from "#scripts/lib/progress.ts";
import { smokeSummary } from "#scripts/smoke/report.ts";
import { runSmoke, type SmokeReport } from "#scripts/smoke/run.ts";
import { targetOfStack } from "#scripts/smoke/target.ts";
import { declaredWorker, startTestStack, type TestStack } from "./support/local-stack.ts";

let stack: TestStack;

const smoke = async (timeoutMs = 3_000): Promise<SmokeReport> =>
  runSmoke(
    await targetOfStack(stack.driver, {}),
    { timeoutMs, requireLive: false, backoff: { baseMs: 50, maxMs: 400 } },
    silentProgress,
  );
const failedNames = (report: SmokeReport) =>
  report.checks
    .filter((c) => c.status === "failed")
    .map((c) => c.name)
    .sort();
const check = (report: SmokeReport, name: string) => report.checks.find((c) => c.name === name)!;
const expectFailedAlone = (report: SmokeReport, ...names: string[]) =>
  expect(failedNames(report)).toEqual(names.sort());

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack?.close());
afterEach(() => stack.admin.clearFaults());

const fault = (rule: FaultRuleInput) => stack.admin.addFault(rule);
const TURN_GENERATE = "/v1/turn/keys/*/credentials/generate-ice-servers";
const SFU_NEW_SESSION = "/v1/apps/*/sessions/new";

describe("smoke on a healthy local stack", () => {
  it("passes every check at the first attempt", async () => {
    const report = await smoke();
    expect(report.checks.map((c) => c.name).sort()).toEqual(
      [
        "auth",
        "health",
        "live-input acme/backstage",
        "live-input acme/main-stage",
        "live-input globex/live",
        "sfu",
        "token deploy",
        "token worker-api a",
        "token worker-api b",
        "turn",
        "webhook",
      ].sort(),
    );
    expect(report.checks.filter((c) => c.status !== "passed")).toEqual([]);
    // Every check passes at its first attempt, unless the attempt never reached an answer: under a
    // loaded machine a kept-alive connection can be closed under the client, which the retry is for.
    // The local proxy's own 502 (text, "the local Worker did not answer", local-engine/worker-runner.ts)
    // is such a case; a 502 from the Worker is JSON with a code, and is not tolerated.
    // A wrong answer tried again would show here with the reason its first attempt failed.
    const transport =
      /fetch failed|ECONNRESET|socket|other side closed|HTTP 502 invalid_response: the answer is not JSON/;
    expect(report.checks.filter((c) => c.attempts !== 1 && !transport.test(c.retriedAfter ?? ""))).toEqual(
      [],
    );
    expect(report.passed).toBe(true);
    expect(check(report, "health").detail).toMatch(/^stack dev, version 0\.1\.0\+[0-9a-f]{12}$/);
    expect(check(report, "sfu").detail).toContain("track published, read back, closed");
    expect(check(report, "webhook").detail).toBe("no secret: 401");
    // The dev stack's tokens are created without an expiry, and the emulator's admin token has none.
    expect(check(report, "token deploy").detail).toMatch(/^the deploy token \w+ never expires$/);
    const { active } = (await stack.driver.outputs()).workerApiTokens;
    expect(check(report, `token worker-api ${active}`).detail).toMatch(
      new RegExp(`^the Worker's API token \\w+ \\(slot ${active}, active\\) never expires$`),
    );
  });

  it("never puts a secret in the report", async () => {
    const report = JSON.stringify(await smoke());
    const outputs = await stack.driver.outputs();
    for (const tenant of Object.values(outputs.tenants)) expect(report).not.toContain(tenant.apiKey);
    expect(report).not.toContain(stack.local.emulator.adminToken);
  });
});

describe("the channels smoke checks", () => {
  it("by default, a stack this small in full; a sample keeps both ends of the tenant map and says so", async () => {
    const full = await smoke();
    expect(full.channels).toEqual({ checked: 3, total: 3, kind: "sample" });
    expect(smokeSummary(full)).toContain("\nChecked 3 of 3 channels (all).");

    const sample = await runSmoke(
      await targetOfStack(stack.driver, {}),
      { timeoutMs: 3_000, requireLive: false, channels: { kind: "sample", size: 2 } },
      silentProgress,
    );
    expect(sample.checks.filter((c) => c.name.startsWith("live-input")).map((c) => c.name)).toEqual([
      "live-input acme/main-stage",
      "live-input globex/live",
    ]);
    expect(smokeSummary(sample)).toContain(
      "\nChecked 2 of 3 channels (sample; --channels all checks every one, paced).",
    );
  });

  it("all of them: every channel, the source reads through the scripts' pace, which the summary names", async () => {
    const target = await targetOfStack(stack.driver, {});
    const report = await runSmoke(
      target,
      { timeoutMs: 3_000, requireLive: false, channels: { kind: "all" } },
      silentProgress,
    );
    expect(report.passed).toBe(true);
    expect(report.checks.filter((c) => c.name.startsWith("live-input"))).toHaveLength(3);
    // The test stack raised the emulator's quota; the pace reads it from each answer's Ratelimit-Policy.
    const { limit, windowMs } = target.cloudflare!.client.pace!;
    expect(report.channels).toEqual({ checked: 3, total: 3, kind: "all", pace: { limit, windowMs } });
    expect(smokeSummary(report)).toContain(
      `Checked 3 of 3 channels (all, source reads paced at ${limit.toLocaleString("en-US")} per 5 minutes).`,
    );
  });
});

describe("each check fails alone, with a clear message, under its fault", () => {
  it("TURN credential generation answering 500 fails turn", async () => {
    await fault({ method: "POST", path: TURN_GENERATE, action: { type: "status", status: 500 } });
    const report = await smoke();
    expectFailedAlone(report, "turn");
    expect(check(report, "turn").error).toMatch(/POST \/api\/realtime\/turn: HTTP 502 upstream_error/);
    expect(check(report, "turn").attempts).toBeGreaterThan(1);
  });

  it("the SFU refusing the app secret (401) fails sfu", async () => {
    await fault({ method: "POST", path: SFU_NEW_SESSION, action: { type: "status", status: 401 } });
    const report = await smoke();
    expectFailedAlone(report, "sfu");
    expect(check(report, "sfu").error).toMatch(/POST \/api\/realtime\/sfu: HTTP 502 upstream_auth_failed/);
  });

  it("a deleted live input fails that channel's check only", async () => {
    const { tenants } = await stack.driver.outputs();
    const uid = tenants.acme!.channels.backstage!.liveInputId;
    await fault({
      method: "GET",
      path: `/client/v4/accounts/*/stream/live_inputs/${uid}`,
      action: {
        type: "status",
        status: 404,
        body: JSON.stringify({
          success: false,
          errors: [{ code: 10003, message: "Not found" }],
          messages: [],
          result: null,
        }),
      },
    });
    const report = await smoke();
    expectFailedAlone(report, "live-input acme/backstage");
    expect(check(report, "live-input acme/backstage").error).toBe(
      `live input ${uid} (acme/backstage) does not exist on Cloudflare`,
    );
  });

  it("a Worker deployed without a binding fails health, naming the binding", async () => {
    const full = declaredWorker(stack.local);
    await stack.local.worker.deploy({ ...full, bindings: full.bindings.filter((b) => b.name !== "VERSION") });
    try {
      const report = await smoke();
      expectFailedAlone(report, "health");
      expect(check(report, "health").error).toBe(
        "the Worker reports bindings it cannot use: VERSION missing",
      );
    } finally {
      await stack.local.worker.deploy(full);
    }
  });
});

describe("expectations a deploy or an operator adds", () => {
  it("--expect-version and --require-live fail health and every channel that is not live", async () => {
    const { tenants } = await stack.driver.outputs();
    const live = tenants.acme!.channels["main-stage"]!.liveInputId;
    await stack.admin.setLiveInputState(live, "connected");
    try {
      const target = { ...(await targetOfStack(stack.driver, {})), expectVersion: "0.0.0+000000000000" };
      const report = await runSmoke(
        target,
        { timeoutMs: 2_000, requireLive: true, backoff: { baseMs: 50, maxMs: 400 } },
        silentProgress,
      );
      expectFailedAlone(report, "health", "live-input acme/backstage", "live-input globex/live");
      expect(check(report, "health").error).toMatch(
        /^version 0\.1\.0\+[0-9a-f]{12} is live, expected 0\.0\.0\+000000000000 \(a fresh deploy may still be propagating\)$/,
      );
      expect(check(report, "live-input globex/live").error).toBe(
        "globex/live is not live (state: never connected)",
      );
      expect(check(report, "live-input acme/main-stage").detail).toBe(`${live} enabled, live`);
    } finally {
      await stack.admin.setLiveInputState(live, null);
    }
  });
});

describe("transient faults", () => {
  it("pass after retries when the first two calls fail", async () => {
    const turn = await fault({
      method: "POST",
      path: TURN_GENERATE,
      count: 2,
      action: { type: "status", status: 500 },
    });
    const sfu = await fault({
      method: "POST",
      path: SFU_NEW_SESSION,
      count: 2,
      action: { type: "status", status: 503 },
    });
    const report = await smoke();
    expectFailedAlone(report);
    expect(check(report, "turn").attempts).toBe(3);
    expect(check(report, "sfu").attempts).toBe(3);
    // Each says why its first attempt failed, in the report and in its summary.
    expect(check(report, "turn").retriedAfter).toMatch(/500/);
    expect(check(report, "sfu").retriedAfter).toMatch(/503/);
    expect(smokeSummary(report)).toMatch(/↻ turn passed at attempt 3; the first failed: .*500/);
    const fired = Object.fromEntries((await stack.admin.faults()).map((f) => [f.id, f.fired]));
    expect([fired[turn.id], fired[sfu.id]]).toEqual([2, 2]);
  });
});

describe("a Worker that never answers", () => {
  it("could not run, and no check or probe started (no ffmpeg, no SFU session)", async () => {
    const rows: ProgressRow[] = [];
    const progress: Progress = { set: (row) => rows.push(row), note: () => {}, close: () => {} };
    const target = { ...(await targetOfStack(stack.driver, {})), workerUrl: "http://127.0.0.1:9" };
    const run = runSmoke(
      target,
      {
        timeoutMs: 500,
        requireLive: false,
        probes: { ingest: true, media: true, turn: true },
        backoff: { baseMs: 50, maxMs: 100 },
      },
      progress,
    );
    await expect(run).rejects.toThrow(CouldNotRun);
    await expect(run).rejects.toThrow(/the Worker at http:\/\/127\.0\.0\.1:9 never answered/);
    expect(rows).toEqual([]);
  });
});

describe("the token expiry checks", () => {
  const DAY = 86_400_000;
  /** RFC 3339 without milliseconds, as Cloudflare writes `expires_on` ("2020-04-10T00:00:00Z"). */
  const at = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
  const sdk = (apiToken = stack.local.emulator.adminToken) =>
    new Cloudflare({
      apiToken,
      // Environment credentials must not leak into requests made to the emulator.
      apiKey: null,
      apiEmail: null,
      userServiceKey: null,
      baseURL: stack.local.emulator.apiBase,
      maxRetries: 0,
    });
  const account_id = () => stack.local.emulator.accountId;

  /** Sets (or, with undefined, clears) a token's expiry through the official SDK, as an operator would. */
  async function setExpiry(tokenId: string, expiresOn: string | undefined) {
    const t = await sdk().accounts.tokens.get(tokenId, { account_id: account_id() });
    await sdk().accounts.tokens.update(tokenId, {
      account_id: account_id(),
      name: t.name!,
      policies: t.policies!.map((p) => ({
        effect: p.effect!,
        resources: p.resources as Record<string, string>,
        permission_groups: p.permission_groups!.map((g) => ({ id: g.id! })),
      })),
      ...(expiresOn ? { expires_on: expiresOn } : {}),
    });
  }
  const slots = async () => {
    const { workerApiTokens } = await stack.driver.outputs();
    const inactive: "a" | "b" = workerApiTokens.active === "a" ? "b" : "a";
    return { tokens: workerApiTokens, active: workerApiTokens.active, inactive };
  };

  it("warns about the Worker's token expiring within the window, and passes", async () => {
    const { tokens, active } = await slots();
    const expiresOn = at(Date.now() + 3 * DAY + 3_600_000);
    await setExpiry(tokens[active].tokenId, expiresOn);
    try {
      const report = await smoke();
      const row = check(report, `token worker-api ${active}`);
      expect(row.status).toBe("warning");
      expect(row.detail).toBe(
        `the Worker's API token ${tokens[active].tokenId} (slot ${active}, active) expires ${expiresOn}, in 3 days, within the 14 days warning window: roll or replace it before then`,
      );
      expect(report.passed).toBe(true);
      expect(failedNames(report)).toEqual([]);
      const summary = smokeSummary(report);
      expect(summary).toMatch(/^Smoke passed with 1 warning: 11\/11 checks/);
      expect(summary).toContain(`\n  ! token worker-api ${active}: ${row.detail}`);
      // A deploy whose smoke warns is a deploy that passed, and its verdict says what to look at.
      const deployed = deploySummary({
        stack: "dev",
        changes: [],
        version: "v",
        smoke: report,
        ok: true,
        durationMs: 1,
      });
      expect(deployed).toMatch(/^Deployed dev \(version v\) in 1 ms; smoke passed \(11 checks\)\./);
      expect(deployed).toContain(`\n  ! token worker-api ${active}: ${row.detail}`);

      // A narrower window: the same token only reports when it expires.
      const narrow = await runSmoke(
        await targetOfStack(stack.driver, {}),
        { timeoutMs: 3_000, requireLive: false, expiryWarningMs: 2 * DAY },
        silentProgress,
      );
      expect(check(narrow, `token worker-api ${active}`)).toMatchObject({
        status: "passed",
        detail: `the Worker's API token ${tokens[active].tokenId} (slot ${active}, active) expires ${expiresOn}, in 3 days`,
      });
    } finally {
      await setExpiry(tokens[active].tokenId, undefined);
    }
  });

  it("fails on an expired token, while everything the Worker does still passes", async () => {
    const { tokens, inactive } = await slots();
    const expiredOn = at(Date.now() - 60_000);
    await setExpiry(tokens[inactive].tokenId, expiredOn);
    try {
      const report = await smoke(1_000);
      expectFailedAlone(report, `token worker-api ${inactive}`);
      expect(check(report, `token worker-api ${inactive}`).error).toBe(
        `the Worker's API token ${tokens[inactive].tokenId} (slot ${inactive}) expired on ${expiredOn}: Cloudflare refuses it`,
      );
      expect(report.passed).toBe(false);
    } finally {
      await setExpiry(tokens[inactive].tokenId, undefined);
    }
  });

  describe("of the deploy token", () => {
    /** A token that can do what smoke does at the source: read live inputs and the account's tokens. */
    async function deployToken(expiresOn: string) {
      const groups = await sdk().accounts.tokens.permissionGroups.list({ account_id: account_id() });
      const ids = ["Stream Read", "Account API Tokens Read"].map((name) => ({
        id: groups.result.find((g) => g.name === name)!.id!,
      }));
      const created = await sdk().accounts.tokens.create({
        account_id: account_id(),
        name: "smoke expiry test",
        policies: [
          {
            effect: "allow",
            resources: { [`com.cloudflare.api.account.${account_id()}`]: "*" },
            permission_groups: ids,
          },
        ],
        expires_on: expiresOn,
      });
      return created;
    }
    const smokeAs = async (token: string) => {
      const target = await targetOfStack(stack.driver, {});
      const client = new CloudflareRest({ baseUrl: stack.local.emulator.apiBase, token });
      return runSmoke(
        { ...target, cloudflare: { client, accountId: account_id() } },
        { timeoutMs: 1_000, requireLive: false, backoff: { baseMs: 50, maxMs: 200 } },
        silentProgress,
      );
    };

    it("warns when the token smoke runs with expires within the window, read through its own verify", async () => {
      const expiresOn = at(Date.now() + 2 * DAY + 3_600_000);
      const created = await deployToken(expiresOn);
      try {
        const report = await smokeAs(created.value!);
        expect(check(report, "token deploy")).toMatchObject({
          status: "warning",
          detail: `the deploy token ${created.id} expires ${expiresOn}, in 2 days, within the 14 days warning window: roll or replace it before then`,
        });
        expect(report.passed).toBe(true);
        expect(JSON.stringify(report)).not.toContain(created.value);
      } finally {
        await sdk().accounts.tokens.delete(created.id!, { account_id: account_id() });
      }
    });

    it("reads a user-owned token's expiry through the user's verify, which the account's refuses", async () => {
      const expiresOn = at(Date.now() + 2 * DAY + 3_600_000);
      const groups = await sdk().user.tokens.permissionGroups.list();
      const created = await sdk().user.tokens.create({
        name: "smoke expiry test (user)",
        policies: [
          {
            effect: "allow",
            resources: { [`com.cloudflare.api.account.${account_id()}`]: "*" },
            permission_groups: ["Stream Read", "Account API Tokens Read"].map((name) => ({
              id: groups.result.find((g) => g.name === name)!.id!,
            })),
          },
        ],
        expires_on: expiresOn,
      });
      try {
        const report = await smokeAs(created.value!);
        expect(check(report, "token deploy")).toMatchObject({
          status: "warning",
          detail: `the deploy token ${created.id} expires ${expiresOn}, in 2 days, within the 14 days warning window: roll or replace it before then`,
        });
        expect(JSON.stringify(report)).not.toContain(created.value);
      } finally {
        await sdk().user.tokens.delete(created.id!);
      }
    });

    it("fails when Cloudflare refuses it as expired", async () => {
      const created = await deployToken(at(Date.now() + 60_000));
      try {
        await setExpiry(created.id!, at(Date.now() - 1_000));
        const report = await smokeAs(created.value!);
        expect(check(report, "token deploy")).toMatchObject({ status: "failed" });
        expect(check(report, "token deploy").error).toMatch(
          /^Cloudflare refuses the deploy token \(expired, disabled or wrong\): GET \/accounts\/\w+\/tokens\/verify: HTTP 401 1000 /,
        );
        expect(report.passed).toBe(false);
      } finally {
        await sdk().accounts.tokens.delete(created.id!, { account_id: account_id() });
      }
    });
  });
});
