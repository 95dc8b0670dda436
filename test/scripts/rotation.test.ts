import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { createServerClient } from "#client/server.ts";
import { mintUserToken } from "#emulator/account-token.ts";
import { CONFIG_NAMESPACE, SECRET_SLOT_KEYS, type SlottedRotation } from "#infra/config.ts";
import { DEPLOY_TOKEN_KEY } from "#infra/providers/host/api.ts";
import type { StackOutputs } from "#infra/stack-outputs.ts";
import { type Progress, silentProgress } from "#scripts/lib/progress.ts";
import { abandonEmergency } from "#scripts/rotation/abandon.ts";
import type { CiSecretStore } from "#scripts/rotation/ci-secrets.ts";
import { type EmergencyKind, type EmergencyOptions, emergencyRotation } from "#scripts/rotation/emergency.ts";
import { Journal } from "#scripts/rotation/journal.ts";
import { kindRotation, ROTATION_KINDS } from "#scripts/rotation/kinds.ts";
import { streamKeySummary } from "#scripts/rotation/report.ts";
import { type Checkpoint, plannedKinds } from "#scripts/rotation/run.ts";
import {
  redactIngest,
  rotateStreamKeys,
  type StreamKeyOptions,
  type StreamKeySelection,
} from "#scripts/rotation/stream-keys.ts";
import { stackVerifier } from "#scripts/rotation/verify.ts";
import { postUnknownInputNotification } from "#scripts/smoke/webhook.ts";
import { STATUS_REFRESH_MS } from "#worker/src/durable/status-snapshot.ts";
import { ApiLoad } from "./support/api-load.ts";
import { activeCredential, credentialWorks, slotCredential } from "./support/credentials.ts";
import { type TestStack, workerBinding } from "./support/local-stack.ts";
import { failingVerifier, Interrupted, RotationStack, workerExpects } from "./support/rotation.ts";

// The interruption matrix is in rotation-interruption-*.test.ts, each half on a stack of its own.
const rs = new RotationStack();
const { rotateNow, newPeriod, journalFile, workerUses, secretSlots, deployToken } = rs;
let stack: TestStack;
beforeAll(() => {
  stack = rs.stack;
});

/** The Worker as tenants see it: the first channel of the first two tenants. */
function loadFor(outputs: StackOutputs): ApiLoad {
  const tenants = Object.entries(outputs.tenants).map(([id, t]) => ({
    id,
    key: t.apiKey,
    channel: Object.keys(t.channels)[0]!,
  }));
  return new ApiLoad(outputs.workerUrl, tenants);
}

// Every kind in turn, each a preview and two or three applies of the whole stack while traffic runs.
describe("rotation of every kind under load", { timeout: 180_000 }, () => {
  it("fails no request, moves the Worker to the new slots and keeps the old credentials working", async () => {
    const before = await stack.driver.outputs();
    const old = {
      turn: await activeCredential(stack, "turn"),
      sfu: await activeCredential(stack, "sfu"),
      "api-token": await activeCredential(stack, "api-token"),
    };
    const load = loadFor(before);
    // 12 requests a second mint about 240 credentials a minute per tenant, 40 % of its 600. A
    // deploy ends the isolates that hold the tenant's leased units, and the ledger, whose storage
    // outlives the deploy as on Cloudflare, counts a lease nobody settles until its window passes
    // (worker/src/metering/ledger.ts). A rotation of every kind applies the stack two or three times
    // per kind, most of them deploying the Worker, so at 80 % of the budget a busy machine saw 429s.
    load.start(12);
    const report = await rotateNow(ROTATION_KINDS);
    const traffic = await load.stop();

    expect(report.kinds.map((k) => [k.kind, k.outcome])).toEqual(ROTATION_KINDS.map((k) => [k, "rotated"]));
    expect(report.ok).toBe(true);
    expect(traffic.failures).toEqual([]);
    expect(traffic.failed).toBe(0);
    expect(traffic.perSecond).toBeGreaterThanOrEqual(10);

    for (const kind of ["turn", "sfu", "api-token"] as const) {
      const now = await activeCredential(stack, kind);
      expect(now.id).not.toBe(old[kind].id);
      expect(workerUses(kind)).toBe(workerExpects(kind, now));
      expect(await credentialWorks(stack, kind, old[kind])).toBe(true);
    }
    const after = await stack.driver.outputs();
    expect(after.tenantKeyGeneration).toBe(before.tenantKeyGeneration + 1);
    expect(workerBinding(stack.local, "TENANT_KEY_GENERATION")).toBe(String(after.tenantKeyGeneration));
    const [tenant, { apiKey: oldKey, channels }] = Object.entries(before.tenants)[0]!;
    expect(after.tenants[tenant]!.apiKey).not.toBe(oldKey);
    const oldKeyApi = createServerClient({ baseUrl: after.workerUrl, tenant, key: oldKey });
    await expect(oldKeyApi.streamStatus({ channel: Object.keys(channels)[0]! })).resolves.toMatchObject({
      enabled: true,
    });
  });

  it("is a no-op when run again in the same period", { timeout: 120_000 }, async () => {
    const period = newPeriod();
    const first = await rotateNow(["turn"], { period });
    expect(first.kinds).toMatchObject([{ kind: "turn", outcome: "rotated" }]);
    const stateBefore = readFileSync(stack.local.engineStateFile, "utf8");
    const again = await rotateNow(["turn"], { period });
    expect(again).toMatchObject({ ok: true, kinds: [{ kind: "turn", outcome: "skipped" }] });
    expect(readFileSync(stack.local.engineStateFile, "utf8")).toBe(stateBefore);
  });
});

// One rotation of the SFU app under load and its rollback: a preview and three applies of the whole stack.
describe("rollback", { timeout: 120_000 }, () => {
  it("switches back when the post-switch check fails, failing no tenant request", async () => {
    const old = await activeCredential(stack, "sfu");
    const load = loadFor(await stack.driver.outputs());
    load.start(24);
    // Breaks only what the verification does with the new app (publishing a track), not what tenants do.
    const breakNewApp = async ({ kind, step, phase }: Checkpoint) => {
      if (kind !== "sfu" || step !== "regenerate" || phase !== "applied") return;
      const fresh = (await stack.driver.outputs()).sfuApps;
      const next = fresh.active === "a" ? fresh.b : fresh.a;
      await stack.admin.addFault({
        method: "POST",
        path: `/v1/apps/${next.appId}/sessions/*/tracks/new`,
        action: { type: "status", status: 500 },
      });
    };
    const report = await rotateNow(["sfu"], { checkpoint: breakNewApp });
    const traffic = await load.stop();

    expect(report.ok).toBe(false);
    const [sfu] = report.kinds;
    expect(sfu).toMatchObject({ kind: "sfu", outcome: "rolled-back" });
    expect(sfu!.error).toMatch(
      /^verification failed: sfu: .*tracks\/new: HTTP 502.*; rolled back, the previous slot verifies again$/,
    );
    expect(await activeCredential(stack, "sfu")).toEqual(old);
    expect(workerUses("sfu")).toBe(old.id);
    expect(traffic.failures).toEqual([]);
    expect(traffic.failed).toBe(0);
    const run = Journal.load(journalFile(), "dev", "any").run("sfu");
    expect(run).toMatchObject({ status: "rolled-back", done: ["regenerate", "switch", "rollback"] });
  });
});

// Each test runs two to four applies of the whole stack, which take seconds each on a loaded machine.
describe("the Worker's own secrets", { timeout: 180_000 }, () => {
  const tenantApi = (outputs: StackOutputs, key: string) =>
    createServerClient({ baseUrl: outputs.workerUrl, tenant: "acme", key });
  const status = (outputs: StackOutputs, key: string) =>
    tenantApi(outputs, key).streamStatus({ channel: "main-stage" });

  it("signing secret: keys and tokens of the previous slot work until the next rotation, not after", async () => {
    const before = await stack.driver.outputs();
    const oldKey = before.tenants.acme!.apiKey;
    const { token: oldToken } = await tenantApi(before, oldKey).dashboardToken();
    const oldSecret = (await secretSlots("signing-secret")).active;

    const first = await rotateNow(["signing-secret"]);
    expect(first).toMatchObject({ ok: true, kinds: [{ kind: "signing-secret", outcome: "rotated" }] });
    const after = await stack.driver.outputs();
    const slots = await secretSlots("signing-secret");
    expect(slots.active).not.toBe(oldSecret);
    expect(slots.other).toBe(oldSecret);
    expect(workerBinding(stack.local, "SIGNING_SECRET")).toBe(slots.active);
    expect(workerBinding(stack.local, "SIGNING_SECRET_FALLBACK")).toBe(oldSecret);
    // Same generation, new slot: the outputs' key is derived with the new secret.
    expect(after.tenantKeyGeneration).toBe(before.tenantKeyGeneration);
    const newKey = after.tenants.acme!.apiKey;
    expect(newKey).not.toBe(oldKey);
    await expect(status(after, newKey)).resolves.toMatchObject({ enabled: true });
    await expect(status(after, oldKey)).resolves.toMatchObject({ enabled: true });
    await expect(status(after, oldToken)).resolves.toMatchObject({ enabled: true });

    const second = await rotateNow(["signing-secret"]);
    expect(second.ok).toBe(true);
    const latest = await stack.driver.outputs();
    expect(workerBinding(stack.local, "SIGNING_SECRET_FALLBACK")).toBe(slots.active);
    for (const stale of [oldKey, oldToken]) {
      await expect(status(latest, stale)).rejects.toMatchObject({ status: 401, code: "invalid_credential" });
    }
    await expect(status(latest, newKey)).resolves.toMatchObject({ enabled: true });
  });

  it("signing secret: a failed verification switches back to the previous slot", async () => {
    const before = await stack.driver.outputs();
    const slotsBefore = await secretSlots("signing-secret");
    const report = await rotateNow(["signing-secret"], { verify: failingVerifier() });
    expect(report.kinds).toMatchObject([{ kind: "signing-secret", outcome: "rolled-back" }]);
    const after = await stack.driver.outputs();
    expect(after.tenants.acme!.apiKey).toBe(before.tenants.acme!.apiKey);
    const slots = await secretSlots("signing-secret");
    expect(slots.active).toBe(slotsBefore.active);
    expect(workerBinding(stack.local, "SIGNING_SECRET")).toBe(slotsBefore.active);
    await expect(status(after, after.tenants.acme!.apiKey)).resolves.toMatchObject({ enabled: true });
  });

  it("webhook secret: a failed verification switches back to the previous slot, whose notifications the Worker accepts", async () => {
    const slotsBefore = await secretSlots("webhook-secret");
    const report = await rotateNow(["webhook-secret"], { verify: failingVerifier() });
    expect(report.kinds).toMatchObject([{ kind: "webhook-secret", outcome: "rolled-back" }]);
    expect(report.kinds[0]!.error).toMatch(/^verification failed: injected: refused; rolled back/);
    const slots = await secretSlots("webhook-secret");
    expect(slots.active).toBe(slotsBefore.active);
    expect(slots.other).not.toBe(slotsBefore.other);
    expect(workerBinding(stack.local, "WEBHOOK_SECRET")).toBe(slotsBefore.active);
    expect(workerBinding(stack.local, "WEBHOOK_SECRET_FALLBACK")).toBe(slots.other);
    // The stack's own check signs a notification with the active slot's secret, which the Worker takes.
    const verify = stackVerifier({ timeoutMs: 5_000, mediaProbes: false });
    const outcome = await verify("webhook-secret", stack.driver);
    expect(outcome.passed).toBe(true);
    expect(outcome.checks.find((c) => c.name === "webhook-secret")).toMatchObject({
      status: "passed",
      detail: `a notification signed with slot ${(await stack.driver.rotation()).webhookSecret.active}'s secret is accepted`,
    });
  });

  it("webhook secret: the check fails when the Worker does not hold the active slot's secret", async () => {
    const { active } = (await stack.driver.rotation()).webhookSecret;
    const key = `${CONFIG_NAMESPACE}:${SECRET_SLOT_KEYS.webhookSecret[active]}`;
    const deployed = (await secretSlots("webhook-secret")).active;
    // The config holds a secret the deployed Worker was never given (no apply follows).
    await stack.driver.setSecret(key, randomBytes(32).toString("base64url"));
    onTestFinished(() => stack.driver.setSecret(key, deployed));
    const outcome = await stackVerifier({ timeoutMs: 2_000, mediaProbes: false })(
      "webhook-secret",
      stack.driver,
    );
    expect(outcome.passed).toBe(false);
    expect(outcome.checks.find((c) => c.name === "webhook-secret")).toMatchObject({
      status: "failed",
      error: expect.stringMatching(/401/),
    });
  });

  it("webhook secret: the destination takes the new slot; the Worker accepts both slots, nothing else", async () => {
    // The dev stack leaves notifications off (they need a Pro zone); this test turns them on.
    const patch = stack.local.readPatch();
    stack.local.writePatch({
      ...patch,
      [`${CONFIG_NAMESPACE}:notifications`]: JSON.stringify({ enabled: true }),
    });
    onTestFinished(async () => {
      stack.local.writePatch(patch);
      await stack.driver.up();
    });
    await stack.driver.up();
    const oldSecret = (await secretSlots("webhook-secret")).active;
    expect(stack.local.emulator.stores.notifications.listWebhooks().map((d) => d.secret)).toEqual([
      oldSecret,
    ]);
    const report = await rotateNow(["webhook-secret"]);
    expect(report).toMatchObject({ ok: true, kinds: [{ kind: "webhook-secret", outcome: "rotated" }] });
    const slots = await secretSlots("webhook-secret");
    expect(slots.active).not.toBe(oldSecret);
    const destinations = stack.local.emulator.stores.notifications.listWebhooks();
    expect(destinations.map((d) => d.secret)).toEqual([slots.active]);
    expect(workerBinding(stack.local, "WEBHOOK_SECRET")).toBe(slots.active);
    expect(workerBinding(stack.local, "WEBHOOK_SECRET_FALLBACK")).toBe(oldSecret);

    const { workerUrl } = await stack.driver.outputs();
    const post = (secret: string) => postUnknownInputNotification(workerUrl, secret);
    for (const accepted of [slots.active, oldSecret]) {
      await expect(post(accepted)).resolves.toEqual({ outcome: "unknown_live_input" });
    }
    await expect(post(`${oldSecret}x`)).rejects.toMatchObject({ status: 401 });
  });
});

// Each test rolls the token and applies the whole stack with the new one.
describe("the deploy token", { timeout: 120_000 }, () => {
  /** CI's secret store as rotate sees it; its GitHub implementation is tested in ci-secrets.test.ts. */
  const ciStore = (fail = false) => {
    const values: string[] = [];
    const store: CiSecretStore = {
      description: "the test's CI store",
      put: async (_name, value) => {
        if (fail) throw new Error("the CI store is unreachable");
        values.push(value);
        return "updated";
      },
    };
    return { values, store };
  };

  /** A roll whose verification fails: the run fails and cannot switch back; returns the value the stack keeps. */
  const failedRoll = async (period: string) => {
    const failed = await rotateNow(["deploy-token"], { period, verify: failingVerifier() });
    expect(failed.kinds).toMatchObject([{ kind: "deploy-token", outcome: "failed" }]);
    expect(failed.kinds[0]!.error).toMatch(
      /injected: refused; the old deploy token was invalidated by the roll/,
    );
    return deployToken();
  };

  it("rolls through the Roll Token API: the old value is refused at once, the stack and CI hold the new one", async () => {
    const old = deployToken();
    const ci = ciStore();
    const report = await rotateNow(["deploy-token"], {
      context: { ciSecret: { store: ci.store, name: "CF_TOKEN" } },
    });
    expect(report).toMatchObject({ ok: true, kinds: [{ kind: "deploy-token", outcome: "rotated" }] });
    const now = deployToken();
    expect(now).not.toBe(old);
    expect(now).toMatch(/^cfat_/);
    expect(ci.values).toEqual([now]);
    expect(await credentialWorks(stack, "api-token", { id: "", secret: old })).toBe(false);
    // The call that uses it: an apply of the whole stack with the new token, nothing to change.
    const { changes } = await stack.driver.up();
    expect(changes).toEqual([]);
    expect(JSON.stringify(report)).not.toContain(now);
  });

  it("a failed verification cannot switch back (the old value is gone): it fails, the stack keeps the live value, and a re-run verifies again without rolling", async () => {
    const period = newPeriod();
    const rolled = await failedRoll(period);
    expect(await credentialWorks(stack, "api-token", { id: "", secret: rolled })).toBe(true);

    const rerun = await rotateNow(["deploy-token"], { period });
    expect(rerun.kinds).toMatchObject([{ kind: "deploy-token", outcome: "rotated", resumed: true }]);
    expect(deployToken()).toBe(rolled);
  });

  it("a CI store that fails leaves the new value in the stack's config and the rotation failed", async () => {
    const old = deployToken();
    const ci = ciStore(true);
    const report = await rotateNow(["deploy-token"], {
      context: { ciSecret: { store: ci.store, name: "CF_TOKEN" } },
    });
    expect(report.kinds).toMatchObject([{ kind: "deploy-token", outcome: "failed" }]);
    expect(report.kinds[0]!.error).toContain("the CI store is unreachable");
    expect(deployToken()).not.toBe(old);
    expect(await credentialWorks(stack, "api-token", { id: "", secret: deployToken() })).toBe(true);

    // The run stays unfinished, and the next rotation of any kind resumes it first: with the CI
    // store back, it finishes, and CI holds the value the stack deploys with.
    const back = ciStore();
    const rerun = await rotateNow(["deploy-token"], {
      context: { ciSecret: { store: back.store, name: "CF_TOKEN" } },
    });
    expect(rerun.kinds).toMatchObject([{ kind: "deploy-token", outcome: "rotated", resumed: true }]);
    expect(back.values.at(-1)).toBe(deployToken());
    expect(await credentialWorks(stack, "api-token", { id: "", secret: deployToken() })).toBe(true);
  });

  /**
   * The stack deploys with a token its owner made under My Profile (a user's token) instead of the
   * account-owned one, for the test's length: it holds the account permissions the local stack's own
   * token holds (local-engine/deploy-token.ts), and "API Tokens Write" on the user to roll itself.
   */
  const deployWithUserToken = async () => {
    const accountOwned = deployToken();
    const value = await mintUserToken(stack.local.emulator, "dev deploy (user)", {
      account: [
        "Stream Write",
        "Calls Write",
        "Workers Scripts Write",
        "Notifications Write",
        "Account API Tokens Write",
      ],
      user: ["API Tokens Write"],
    });
    await stack.driver.setSecret(DEPLOY_TOKEN_KEY, value);
    onTestFinished(() => stack.driver.setSecret(DEPLOY_TOKEN_KEY, accountOwned));
    return value;
  };
  /** The user's verify answers a user's token: 200 while it is live, 401 once rolled. */
  const userTokenStatus = async (value: string) => {
    const res = await fetch(`${stack.local.emulator.apiBase}/user/tokens/verify`, {
      headers: { authorization: `Bearer ${value}` },
    });
    await res.arrayBuffer();
    return res.status;
  };

  it("a user-owned token rolls through the user's Roll Token API: the old value is refused at once, and the stack applies with the new one", async () => {
    const old = await deployWithUserToken();
    const ci = ciStore();
    const report = await rotateNow(["deploy-token"], {
      context: { ciSecret: { store: ci.store, name: "CF_TOKEN" } },
    });
    expect(report).toMatchObject({ ok: true, kinds: [{ kind: "deploy-token", outcome: "rotated" }] });
    const now = deployToken();
    expect(now).toMatch(/^cfut_/);
    expect(ci.values).toEqual([now]);
    expect(await userTokenStatus(old)).toBe(401);
    expect(await userTokenStatus(now)).toBe(200);
    // The calls that use it: an apply of the whole stack, and smoke's deploy token check.
    const { changes } = await stack.driver.up();
    expect(changes).toEqual([]);
    const verified = await stackVerifier({ timeoutMs: 5_000, mediaProbes: false })(
      "deploy-token",
      stack.driver,
    );
    expect(verified.checks.find((c) => c.name === "deploy-token")).toMatchObject({
      status: "passed",
      detail: expect.stringContaining("user-owned"),
    });
    expect(JSON.stringify(report)).not.toContain(now);
  });

  it("a user-owned token whose verification fails cannot switch back either: the stack keeps the live value, and a re-run verifies again without rolling", async () => {
    const old = await deployWithUserToken();
    const period = newPeriod();
    const rolled = await failedRoll(period);
    expect(rolled).toMatch(/^cfut_/);
    expect(await userTokenStatus(old)).toBe(401);
    expect(await userTokenStatus(rolled)).toBe(200);

    const rerun = await rotateNow(["deploy-token"], { period });
    expect(rerun.kinds).toMatchObject([{ kind: "deploy-token", outcome: "rotated", resumed: true }]);
    expect(deployToken()).toBe(rolled);
    expect((await stack.driver.up()).changes).toEqual([]);
  });
});

// A scheduled rotation cut short, then an emergency: up to five applies of the whole stack.
describe("an emergency that finds a scheduled run paused", { timeout: 120_000 }, () => {
  it("finishes it with the revocation: both slots are new, and neither credential from before works", async () => {
    const before = kindRotation("turn").stateOf(await stack.driver.rotation()) as SlottedRotation;
    const inactive = before.active === "a" ? "b" : "a";
    const oldActive = slotCredential(stack, "turn", before.active, before.generations[before.active]);
    const oldInactive = slotCredential(stack, "turn", inactive, before.generations[inactive]);
    const period = newPeriod();
    const scheduled = await rotateNow(["turn"], {
      period,
      checkpoint: ({ kind, step, phase }) => {
        if (kind === "turn" && step === "switch" && phase === "begun")
          throw new Interrupted("killed as the switch began");
      },
    });
    expect(scheduled.kinds).toMatchObject([{ kind: "turn", outcome: "failed" }]);
    expect(Journal.load(journalFile(), "dev", period).run("turn")).toMatchObject({
      status: "in-progress",
      current: "switch",
      done: ["regenerate"],
    });

    const emergency = await rotateNow(["turn"], { emergency: true });
    expect(emergency.ok).toBe(true);
    expect(emergency.kinds).toMatchObject([{ kind: "turn", outcome: "rotated", resumed: true }]);
    const after = kindRotation("turn").stateOf(await stack.driver.rotation()) as SlottedRotation;
    expect(after.active).toBe(inactive);
    expect(after.generations).toEqual({
      [before.active]: before.generations[before.active] + 1,
      [inactive]: before.generations[inactive] + 1,
    });
    // The key switched away from was revoked, and the one the scheduled run replaced is gone too.
    expect(await credentialWorks(stack, "turn", oldActive)).toBe(false);
    expect(await credentialWorks(stack, "turn", oldInactive)).toBe(false);
    const current = await activeCredential(stack, "turn");
    expect(await credentialWorks(stack, "turn", current)).toBe(true);
    expect(workerUses("turn")).toBe(current.id);
    expect(Journal.load(journalFile(), "dev", emergency.period).run("turn")).toMatchObject({
      status: "done",
      emergency: true,
      done: ["regenerate", "switch", "verify", "revoke"],
    });
  });
});

// Three emergencies of one kind each: up to ten applies of the whole stack and two smoke runs.
describe("the emergency journal", { timeout: 240_000 }, () => {
  const emergency = (only: EmergencyKind[], extra: Partial<EmergencyOptions> = {}) =>
    emergencyRotation(stack.driver, {
      only,
      dryRun: false,
      verify: stackVerifier({ timeoutMs: 5_000, mediaProbes: false }),
      timeoutMs: 3_000,
      probes: { ingest: false, media: false, turn: false },
      progress: silentProgress,
      context: {},
      ...extra,
    });

  it("an unfinished emergency refuses other kinds; once every step has run it is closed, even when the final verification fails", async () => {
    // TURN's verification fails: the kind is rolled back and the emergency is not finished.
    await stack.admin.addFault({
      method: "POST",
      path: "/v1/turn/keys/*/credentials/generate-ice-servers",
      action: { type: "status", status: 500 },
    });
    const failed = await emergency(["turn"]);
    expect(failed.ok).toBe(false);
    expect(failed.steps).toMatchObject([{ kind: "turn", outcome: "rolled-back" }]);
    expect(failed.actions[0]).toMatch(/did not finish.*run the same command again/);
    await stack.admin.clearFaults();

    await expect(emergency(["sfu"])).rejects.toThrow(
      new RegExp(
        `^${failed.id} \\(begun .*, kinds turn\\) is not finished, and this run asks for sfu\\. Finish it first with \`npm run rotate -- <stack flags> --emergency --only turn\``,
      ),
    );

    // The same kinds continue it. Every step runs, then smoke fails on the SFU, which this
    // emergency did not touch: the report is not ok, but the emergency is over.
    await stack.admin.addFault({
      method: "POST",
      path: "/v1/apps/*/sessions/new",
      action: { type: "status", status: 503 },
    });
    const unverified = await emergency(["turn"]);
    expect(unverified).toMatchObject({ id: failed.id, resumed: true, ok: false });
    expect(unverified.steps).toMatchObject([{ kind: "turn", outcome: "rotated" }]);
    expect(unverified.verification).toMatchObject({ passed: false });
    expect(unverified.verification!.failed.join("\n")).toMatch(/^sfu: /m);
    expect(unverified.actions[0]).toMatch(/every credential was replaced, but the final verification failed/);
    await stack.admin.clearFaults();

    // The next emergency is a new one, with the kinds it asks for.
    const next = await emergency(["sfu"], { dryRun: true });
    expect(next).toMatchObject({ resumed: false, ok: true, steps: [{ kind: "sfu", outcome: "planned" }] });
    expect(next.id).not.toBe(failed.id);
  });

  it("an emergency's stream keys are done when the only channel left is one whose live input is gone", async () => {
    const uid = (await stack.driver.outputs()).tenants.acme!.channels.backstage!.liveInputId;
    // Cloudflare's answer for an input deleted since the last deploy: it has no keys to revoke.
    await stack.admin.addFault({
      method: "POST",
      path: `/client/v4/accounts/*/stream/live_inputs/${uid}/rotate_keys`,
      count: 1,
      action: { type: "status", status: 404 },
    });
    const run = await emergency(["stream-keys"]);
    expect(run.steps).toMatchObject([
      { kind: "stream-keys", outcome: "rotated", error: `acme/backstage: live input ${uid} does not exist` },
    ]);
    // Over: another emergency's kinds may begin, which an unfinished one refuses.
    const next = await emergency(["sfu"], { dryRun: true });
    expect(next).toMatchObject({ resumed: false, steps: [{ kind: "sfu", outcome: "planned" }] });
  });

  it("an unfinished emergency can be abandoned: what was switched stays and works, its unfinished run is never resumed, and there is nothing left to abandon", async () => {
    const abandon = () =>
      abandonEmergency(stack.driver, {
        timeoutMs: 10_000,
        probes: { ingest: false, media: false, turn: false },
        progress: silentProgress,
      });
    // The emergency before this one finished: nothing to abandon, and nothing is written.
    await expect(abandon()).rejects.toThrow(/^dev has no unfinished emergency to abandon/);

    // The deploy token rolls, then its verification fails: the roll cannot be undone, the run stays
    // in progress, and the emergency is unfinished.
    const before = deployToken();
    const failed = await emergency(["deploy-token"], { verify: failingVerifier() });
    expect(failed.steps).toMatchObject([{ kind: "deploy-token", outcome: "failed" }]);
    const rolled = deployToken();
    expect(rolled).not.toBe(before);

    const report = await abandon();
    expect(report).toMatchObject({
      id: failed.id,
      ok: true,
      pending: [],
      kinds: [
        {
          kind: "deploy-token",
          state: "abandoned",
          done: ["roll"],
          cutShort: "verify",
          oldStillWorks: false,
        },
      ],
      verification: { passed: true },
      actions: [],
    });
    // The rolled value stays the stack's, and works: the calls that use it (an apply, smoke) did above.
    expect(deployToken()).toBe(rolled);
    expect(await credentialWorks(stack, "api-token", { id: "", secret: before })).toBe(false);
    expect((await stack.driver.up()).changes).toEqual([]);
    expect(JSON.stringify(report)).not.toContain(rolled);

    // The journals say what was abandoned; no run resumes it, and another emergency is not refused.
    expect(Journal.load(journalFile(), "dev", failed.id).run("deploy-token")).toMatchObject({
      status: "abandoned",
      done: ["roll"],
      error: `abandoned with ${failed.id} while verify was unfinished`,
    });
    expect(plannedKinds(stack.driver, { kinds: ["turn"], period: newPeriod(), force: false })).toEqual([
      "turn",
    ]);
    const next = await emergency(["sfu"], { dryRun: true });
    expect(next).toMatchObject({ resumed: false, steps: [{ kind: "sfu", outcome: "planned" }] });
    await expect(abandon()).rejects.toThrow(/^dev has no unfinished emergency to abandon/);
  });

  it("abandoning names the credentials from before that still work and the kinds never begun", async () => {
    // TURN's verification fails and it is rolled back: the emergency stops before stream keys and the
    // deploy token, which it never begins.
    await stack.admin.addFault({
      method: "POST",
      path: "/v1/turn/keys/*/credentials/generate-ice-servers",
      action: { type: "status", status: 500 },
    });
    const failed = await emergency(["turn", "deploy-token"]);
    expect(failed.steps).toMatchObject([{ kind: "turn", outcome: "rolled-back" }]);
    await stack.admin.clearFaults();

    const report = await abandonEmergency(stack.driver, {
      timeoutMs: 10_000,
      probes: { ingest: false, media: false, turn: false },
      progress: silentProgress,
    });
    expect(report.kinds).toEqual([
      { kind: "turn", state: "rolled-back", done: ["regenerate", "switch", "rollback"], oldStillWorks: true },
      { kind: "deploy-token", state: "not-begun", done: [], oldStillWorks: true },
    ]);
    expect(report.actions[0]).toMatch(
      /still work \(or may\) for turn, deploy-token\..*--emergency --only turn,deploy-token/,
    );
    expect(report.verification.passed).toBe(true);
  });
});

describe("refusal and dry run", () => {
  it("refuses while the stack has changes other than the rotation pending, and changes nothing", async () => {
    const tenants = JSON.parse(stack.local.config()["realtime-stack:tenants"]!) as {
      channels: { name: string }[];
    }[];
    tenants[0]!.channels.push({ name: "unreviewed" });
    const patch = stack.local.readPatch();
    stack.local.writePatch({ ...patch, "realtime-stack:tenants": JSON.stringify(tenants) });
    try {
      const engineBefore = readFileSync(stack.local.engineStateFile, "utf8");
      const rotationBefore = await stack.driver.rotation();
      const report = await rotateNow(ROTATION_KINDS);
      expect(report.ok).toBe(false);
      expect(report.refused).toEqual(
        expect.arrayContaining([
          "create StreamLiveInput realtime-live-acme/unreviewed",
          // The new channel's live input is in the tenant map the script carries.
          "update WorkersScript realtime-worker (content)",
        ]),
      );
      expect(report.kinds).toEqual([]);
      expect(readFileSync(stack.local.engineStateFile, "utf8")).toBe(engineBefore);
      expect(await stack.driver.rotation()).toEqual(rotationBefore);
    } finally {
      stack.local.writePatch(patch);
    }
  });

  it("--dry-run prints the plan after the preview check and changes nothing", async () => {
    const engineBefore = readFileSync(stack.local.engineStateFile, "utf8");
    const journalBefore = readFileSync(journalFile(), "utf8");
    const config = await stack.driver.rotation();
    const report = await rotateNow(ROTATION_KINDS, { dryRun: true });
    expect(report).toMatchObject({ ok: true, dryRun: true });
    expect(report.kinds.map((k) => [k.kind, k.outcome, k.change])).toEqual(
      ROTATION_KINDS.map((k) => [k, "planned", kindRotation(k).describe(kindRotation(k).stateOf(config))]),
    );
    expect(readFileSync(stack.local.engineStateFile, "utf8")).toBe(engineBefore);
    expect(readFileSync(journalFile(), "utf8")).toBe(journalBefore);
    expect(await stack.driver.rotation()).toEqual(config);
  });
});

describe("stream keys", () => {
  const selection = (select: Partial<StreamKeySelection>): StreamKeySelection => ({
    channels: [],
    tenants: [],
    all: false,
    ...select,
  });
  const rotateKeys = (select: Partial<StreamKeySelection>, extra: Partial<StreamKeyOptions> = {}) =>
    rotateStreamKeys(stack.driver, {
      selection: selection(select),
      restart: false,
      progress: silentProgress,
      ...extra,
    });
  const rotateCalls = async () =>
    (await stack.admin.requests({ method: "POST" })).filter((r) => r.path.endsWith("/rotate_keys"));
  const keyOf = (uid: string) => stack.local.emulator.stores.stream.get(uid)!.streamKey;

  it("rotates a channel's ingest keys through rotate_keys; the Worker hands out the new ones within its refresh interval", async () => {
    const outputs = await stack.driver.outputs();
    const oldKey = (outputs.tenants.acme!.channels["main-stage"] as { streamKey?: string }).streamKey;
    const {
      rotated: [rotated],
    } = await rotateKeys({ channels: ["acme/main-stage"] });
    expect(rotated!.ingest.rtmps.streamKey).not.toBe(oldKey);
    const api = createServerClient({
      baseUrl: outputs.workerUrl,
      tenant: "acme",
      key: outputs.tenants.acme!.apiKey,
    });
    // Connect answers from the channel status object, which re-reads the live input this often.
    await expect
      .poll(async () => (await api.streamConnect({ channel: "main-stage" })).ingest.rtmps.stream_key, {
        timeout: STATUS_REFRESH_MS + 2_000,
        interval: 500,
      })
      .toBe(rotated!.ingest.rtmps.streamKey);
    const shown = JSON.stringify(redactIngest(rotated!, false));
    for (const secret of [
      rotated!.ingest.rtmps.streamKey,
      rotated!.ingest.srt.passphrase,
      rotated!.ingest.whip.url,
    ]) {
      expect(shown).not.toContain(secret);
    }
  });

  it("interrupted, is continued by the next run with the same channels: every key rotated, none twice", async () => {
    const outputs = await stack.driver.outputs();
    const uids = Object.values(outputs.tenants).flatMap((t) =>
      Object.values(t.channels).map((c) => c.liveInputId),
    );
    await stack.admin.clearRequests();
    const interrupt = new AbortController();
    const progress: Progress = {
      // Ctrl-C as the first channel is reported done.
      set: (row) => {
        if (row.count?.done === 1) interrupt.abort(new Error("interrupted by SIGINT"));
      },
      note: () => {},
      close: () => {},
    };
    const first = await rotateKeys({ all: true }, { progress, signal: interrupt.signal });
    expect([first.rotated.length, first.remaining, first.stopped]).toEqual([
      1,
      uids.length - 1,
      "interrupted by SIGINT",
    ]);
    expect(streamKeySummary(first, false)).toContain(
      `${uids.length - 1} of ${uids.length} channels left: run the same command again to continue`,
    );

    // Another selection is refused while this run is unfinished: it would be lost.
    await expect(rotateKeys({ tenants: ["globex"] })).rejects.toThrow(
      /an unfinished stream-key rotation .* --restart/,
    );

    const keysBefore = uids.map(keyOf);
    const second = await rotateKeys({ all: true });
    expect(second.resumed).toBe(true);
    expect(second.earlier.map((e) => e.channel)).toEqual([first.rotated[0]!.channel]);
    expect(second.rotated).toHaveLength(uids.length - 1);
    expect(second.remaining).toBe(0);
    // The first channel's key is the one the first run made; every other changed exactly now.
    expect(uids.map(keyOf).filter((key, i) => key !== keysBefore[i])).toHaveLength(uids.length - 1);
    const calls = (await rotateCalls()).map((r) => r.path.split("/").at(-2));
    expect(calls.sort()).toEqual([...uids].sort());

    // Finished: the same command again is a new run, asked for.
    const third = await rotateKeys({ channels: ["globex/live"] });
    expect([third.resumed, third.rotated.length]).toEqual([false, 1]);
  });

  it("a rotation whose answer is lost is read back, not done again", async () => {
    const outputs = await stack.driver.outputs();
    const uid = outputs.tenants.acme!.channels.backstage!.liveInputId;
    await stack.admin.clearRequests();
    await stack.admin.addFault({
      method: "POST",
      path: `/client/v4/accounts/*/stream/live_inputs/${uid}/rotate_keys`,
      count: 1,
      action: { type: "lose_answer" },
    });
    const { rotated } = await rotateKeys({ channels: ["acme/backstage"] });
    expect(rotated.map((r) => r.ingest.rtmps.streamKey)).toEqual([keyOf(uid)]);
    expect((await rotateCalls()).map((r) => r.fault)).toEqual(["lose_answer"]);
  });

  it("is over once every channel was tried, when one's live input is gone, so that it blocks no later run", async () => {
    const outputs = await stack.driver.outputs();
    const uid = outputs.tenants.acme!.channels.backstage!.liveInputId;
    // Cloudflare's answer for an input deleted since the last deploy.
    await stack.admin.addFault({
      method: "POST",
      path: `/client/v4/accounts/*/stream/live_inputs/${uid}/rotate_keys`,
      count: 1,
      action: { type: "status", status: 404 },
    });
    const run = await rotateKeys({ channels: ["acme/backstage", "globex/live"] });
    expect(run.failed).toEqual([{ channel: "acme/backstage", error: `live input ${uid} does not exist` }]);
    expect([run.rotated.map((r) => r.channel), run.remaining]).toEqual([["globex/live"], 0]);
    const next = await rotateKeys({ channels: ["acme/main-stage"] });
    expect([next.resumed, next.rotated.length]).toEqual([false, 1]);

    // A run that found none of its channels says more of the outputs or the account: it stays open.
    await stack.admin.addFault({
      method: "POST",
      path: `/client/v4/accounts/*/stream/live_inputs/${uid}/rotate_keys`,
      count: 1,
      action: { type: "status", status: 404 },
    });
    const nothing = await rotateKeys({ channels: ["acme/backstage"] });
    expect([nothing.finished, nothing.rotated.length, nothing.failed.length]).toEqual([false, 0, 1]);
    expect((await rotateKeys({ channels: ["acme/backstage"] }, { restart: true })).finished).toBe(true);
  });

  it("refuses a channel or a tenant the stack does not have", async () => {
    await expect(rotateKeys({ channels: ["acme/nope"] })).rejects.toThrow(
      "the stack has no channel acme/nope",
    );
    await expect(rotateKeys({ tenants: ["nobody"] })).rejects.toThrow("the stack has no tenant nobody");
  });
});
