import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ControlServer, controlFile, readControl } from "#local-engine/control.ts";
import { localDeployToken } from "#local-engine/deploy-token.ts";
import { openLocalDriver, RemoteLocalDriver, serveLocalControl } from "#scripts/lib/local-driver.ts";
import { Journal } from "#scripts/rotation/journal.ts";
import { REPO_ROOT, startTestStack, type TestStack } from "./support/local-stack.ts";
import { runScript, startScript } from "./support/script.ts";

let stack: TestStack;
let control: ControlServer;

beforeAll(async () => {
  stack = await startTestStack();
  control = await serveLocalControl(stack.local);
});
afterAll(async () => {
  await control?.close();
  await stack?.close();
});
afterEach(() => stack.admin.clearFaults());

const local = () => ["--local", "--state-dir", stack.stateDir];

describe("the control endpoint of a running local stack", () => {
  it("answers only with the emulator's admin token", async () => {
    expect((await fetch(`${control.url}/info`)).status).toBe(401);
    const wrong = await fetch(`${control.url}/info`, { headers: { authorization: "Bearer nope" } });
    expect(wrong.status).toBe(401);
    expect(control.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("is what --local finds: outputs, previews and applies go to the running stack", async () => {
    const driver = await openLocalDriver({ root: REPO_ROOT, stateDir: stack.stateDir });
    expect(driver).toBeInstanceOf(RemoteLocalDriver);
    expect(driver.description).toContain(`pid ${process.pid}`);
    expect(await driver.outputs()).toEqual(await stack.driver.outputs());
    expect(await driver.preview()).toEqual([]);
    expect((await driver.up()).changes).toEqual([]);
    expect(await driver.rotation()).toEqual(await stack.driver.rotation());
  });

  it("refuses a rotation config that is not one, and changes nothing", async () => {
    const before = await stack.driver.rotation();
    const res = await fetch(`${control.url}/rotation`, {
      method: "PUT",
      headers: {
        authorization: `Bearer ${stack.local.emulator.adminToken}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ turn: { active: "c" } }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(
      /^invalid rotation config: .*turn\.active/s,
    );
    expect(await stack.driver.rotation()).toEqual(before);
  });

  it("is ignored when the process that recorded it is gone", () => {
    const file = join(stack.stateDir, "gone.control.json");
    writeFileSync(file, JSON.stringify({ port: 1, pid: 2 ** 22 + 12_345 }));
    expect(readControl(file)).toBeUndefined();
    expect(readControl(controlFile(stack.stateDir, "dev"))).toMatchObject({ pid: process.pid });
  });
});

describe("npm run smoke", () => {
  it("--json prints one report and exits 0 when every check passed", async () => {
    const run = await runScript("smoke", [...local(), "--json", "--timeout", "5", "--expiry-warning", "30d"]);
    const report = JSON.parse(run.stdout) as {
      passed: boolean;
      checks: { name: string; status: string; detail?: string }[];
    };
    expect(report.checks).toHaveLength(11);
    expect(report.checks.find((c) => c.name === "token deploy")).toMatchObject({
      status: "passed",
      detail: expect.stringMatching(/never expires$/),
    });
    expect(report.passed).toBe(true);
    expect(run.code).toBe(0);
  });

  it("exits 1 naming the failed check", async () => {
    await stack.admin.addFault({
      method: "POST",
      path: "/v1/turn/keys/*/credentials/generate-ice-servers",
      action: { type: "status", status: 500 },
    });
    const run = await runScript("smoke", [...local(), "--timeout", "2"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/turn: failed \(\d+ attempts/);
    expect(run.stdout).toMatch(
      /✗ turn \(\d+ attempts\): POST \/api\/realtime\/turn: HTTP 502 upstream_error/,
    );
  });

  it("exits 2 when it cannot run: an unreachable Worker, or arguments that make no sense", async () => {
    const unreachable = await runScript("smoke", [
      ...[
        "--url",
        "http://127.0.0.1:9",
        "--tenant",
        "acme",
        "--key",
        "k",
        "--channel",
        "main",
        "--timeout",
        "1",
      ],
    ]);
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toMatch(
      /^Could not run: the Worker at http:\/\/127\.0\.0\.1:9 never answered/,
    );
    const confused = await runScript("smoke", ["--local", "--url", "http://127.0.0.1:9"]);
    expect(confused.code).toBe(2);
    expect(confused.stderr).toMatch(/choose one target[\s\S]*Usage: npm run smoke/);
  });

  it("exits 2 on an expiry warning window it cannot read", async () => {
    const badWindow = await runScript("smoke", [...local(), "--expiry-warning", "2w"]);
    expect(badWindow.code).toBe(2);
    expect(badWindow.stderr).toMatch(/14d, 36h or 90m\n {2}→ at \["expiry-warning"\]/);
  });
});

describe("npm run deploy", () => {
  it("applies through the running stack and smoke-checks the version it built", async () => {
    const run = await runScript("deploy", [...local(), "--timeout", "5", "--channels", "all"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/up: passed \(1 attempt, .*\) — no changes/);
    expect(run.stdout).toMatch(
      /^Checked (\d+) of \1 channels \(all, source reads paced at [\d,]+ per 5 minutes\)\.$/m,
    );
    expect(run.stdout).toMatch(/health: passed .* — stack dev, version 0\.1\.0\+[0-9a-f]{12}/);
    expect(run.stdout).toMatch(
      /^Deployed dev \(version 0\.1\.0\+[0-9a-f]{12}\) in .*; smoke passed \(11 checks\)\.$/m,
    );
  });

  it("exits 2 on a channel selection it cannot read, before anything is deployed", async () => {
    const run = await runScript("deploy", [...local(), "--channels", "some"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/all, or sample:<n> with n at least 1\n {2}→ at channels\n/);
  });

  it("exits 1 when smoke fails, printing the command that rolls back", async () => {
    await stack.admin.addFault({
      method: "POST",
      path: "/v1/apps/*/sessions/new",
      action: { type: "status", status: 503 },
    });
    const run = await runScript("deploy", [...local(), "--timeout", "2"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /FAILED smoke: 1 of 11 checks:\n {2}✗ sfu: POST \/api\/realtime\/sfu: HTTP 50\d/,
    );
    expect(run.stdout).toMatch(
      /^Roll back[^\n]*:\n {2}git (revert --no-edit [0-9a-f]+|stash) && npm run deploy -- --local$/m,
    );
  });
});

describe("npm run rotate", () => {
  // This file's stack runs no media plane or TURN server; rotation-media.test.ts verifies with media.
  const NO_MEDIA = ["--no-media-probe"];

  it("killed mid-rotation, finishes on the next run", async () => {
    const period = ["--only", "turn", "--period", "cli-kill", ...NO_MEDIA];
    const killed = await runScript("rotate", [...local(), ...period], { until: /turn switch: running/ });
    expect(killed.code).toBeNull();
    const journal = Journal.load(Journal.fileFor(stack.stateDir, "dev"), "dev", "cli-kill");
    expect(journal.run("turn")).toMatchObject({ status: "in-progress", current: "switch" });

    const rerun = await runScript("rotate", [...local(), ...period]);
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toMatch(/^ {2}turn {9}rotated: slot . \(g\d+\) → slot . \(g\d+\) \(resumed\)$/m);
    const again = await runScript("rotate", [...local(), ...period]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("turn         skipped (already rotated in this period)");
  });

  it("exits 1 with the reason when verification fails and the Worker is switched back", async () => {
    await stack.admin.addFault({
      method: "POST",
      path: "/v1/apps/*/sessions/*/tracks/new",
      action: { type: "status", status: 500 },
    });
    const before = (await stack.driver.outputs()).sfuApps;
    const run = await runScript("rotate", [
      ...local(),
      "--only",
      "sfu",
      "--period",
      "cli-rollback",
      "--timeout",
      "2",
      ...NO_MEDIA,
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /sfu {10}ROLLED BACK: .*\n\s+verification failed: sfu: .*tracks\/new: HTTP 502/,
    );
    expect((await stack.driver.outputs()).sfuApps.active).toBe(before.active);
  });

  it("--only stream-keys --all, stopped with Ctrl-C, exits 2; the same command continues, rotating no key twice", async () => {
    const ROTATE_KEYS = "/client/v4/accounts/*/stream/live_inputs/*/rotate_keys";
    const uids = Object.values((await stack.driver.outputs()).tenants).flatMap((t) =>
      Object.values(t.channels).map((c) => c.liveInputId),
    );
    const rotations = async () =>
      (await stack.admin.requests({ method: "POST" })).filter((r) => r.path.endsWith("/rotate_keys"));
    await stack.admin.clearRequests();
    // Each rotation answers after a while, so that Ctrl-C lands while one is in flight.
    await stack.admin.addFault({ method: "POST", path: ROTATE_KEYS, action: { type: "latency", ms: 1_500 } });
    const args = [...local(), "--only", "stream-keys", "--all"];
    const script = startScript("rotate", args);
    await script.printed(/stream-keys: running \[1\/3\] — \S+ rotated/);
    script.child.kill("SIGINT");
    const stopped = await script.exited;
    expect(stopped.code).toBe(2);
    expect(stopped.stdout).toMatch(
      /Stopped: interrupted by SIGINT\. 2 of 3 channels left: run the same command again to continue/,
    );
    // The call in flight was carried out all the same (the emulator answers after the wait).
    await expect.poll(async () => (await rotations()).length, { timeout: 5_000 }).toBe(2);
    await stack.admin.clearFaults();

    const rerun = await runScript("rotate", args);
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toContain(
      "Stream keys of dev: 3 of 3 channels rotated (1 by the run this one continued)",
    );
    expect((await rotations()).map((r) => r.path.split("/").at(-2)).sort()).toEqual([...uids].sort());
  });

  it("--dry-run exits 0 and changes nothing; unknown kinds exit 2", async () => {
    const plan = await runScript("rotate", [...local(), "--dry-run", "--period", "cli-plan"]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(
      /dry run: nothing changed[\s\S]*tenant-keys {2}would rotate: generation \d+ → \d+/,
    );
    const bad = await runScript("rotate", [...local(), "--only", "turn,passwords"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("unknown kind passwords");
  });

  it("a run that rolls the deploy token needs --ci-secret or --no-ci-secret, also when it only resumes an unfinished roll", async () => {
    // Outside GitHub Actions, whatever the environment running the tests is.
    const outside = { env: { GITHUB_ACTIONS: undefined } };
    const tokenBefore = localDeployToken(stack.stateDir, "dev");
    const period = ["--period", "cli-ci", ...NO_MEDIA];
    const asked = await runScript("rotate", [...local(), "--only", "deploy-token", ...period], outside);
    expect(asked.code).toBe(2);
    expect(asked.stderr).toMatch(
      /^this run rolls the deploy token, which leaves CI's copy dead: give --ci-secret <name> to write the new value to CI too, or --no-ci-secret to replace CI's copy by hand \(or leave deploy-token out with --only\)/,
    );

    // A roll killed as it began is resumed by the next run, whatever --only asks for.
    const journal = Journal.load(Journal.fileFor(stack.stateDir, "dev"), "dev", "cli-ci");
    journal.startPeriod("cli-ci");
    journal.begin({
      kind: "deploy-token",
      from: { ...(await stack.driver.rotation()).deployToken },
      done: [],
      current: "roll",
      status: "in-progress",
      startedAt: new Date().toISOString(),
    });
    const resumed = await runScript("rotate", [...local(), "--only", "turn", ...period], outside);
    expect(resumed.code).toBe(2);
    expect(resumed.stderr).toContain(
      "(an earlier run left the deploy token's roll unfinished, and this run finishes it first)",
    );
    const inActions = await runScript(
      "rotate",
      [...local(), "--only", "deploy-token", "--no-ci-secret", ...period],
      { env: { GITHUB_ACTIONS: "true" } },
    );
    expect(inActions.code).toBe(2);
    expect(inActions.stderr).toMatch(
      /^rolling the deploy token inside GitHub Actions needs --ci-secret <name>/,
    );
    expect(localDeployToken(stack.stateDir, "dev")).toBe(tokenBefore);

    const byHand = await runScript(
      "rotate",
      [...local(), "--only", "deploy-token", "--no-ci-secret", ...period],
      outside,
    );
    expect(byHand.code).toBe(0);
    expect(byHand.stdout).toMatch(/^ {2}deploy-token +rotated: roll \d+ → \d+ \(resumed\)$/m);
    expect(localDeployToken(stack.stateDir, "dev")).not.toBe(tokenBefore);
    expect(
      Journal.load(Journal.fileFor(stack.stateDir, "dev"), "dev", "cli-ci").run("deploy-token"),
    ).toMatchObject({ status: "done" });
  });

  it("--emergency --dry-run plans every credential, the fallback slots' revocation included, and changes nothing", async () => {
    const before = await stack.driver.rotation();
    const plan = await runScript("rotate", [...local(), "--emergency", "--dry-run"]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(
      /Emergency rotation plan for dev[\s\S]*turn +would rotate: slot [ab] \(g\d+\) → slot [ab] \(g\d+\), then slot [ab] \(g\d+\) replaced by g\d+: the TURN key from before no longer works[\s\S]*tenant-keys +would rotate: generation \d+ → \d+, then keys of generation \d+; generation \d+ no longer works[\s\S]*stream-keys +would rotate: new ingest keys for every channel \(3\)[\s\S]*deploy-token +would rotate: roll/,
    );
    expect(await stack.driver.rotation()).toEqual(before);
    const bad = await runScript("rotate", [...local(), "--emergency", "--period", "x"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--emergency rotates every channel's keys in its own period");
  });

  it("--abandon-emergency exits 2 when no emergency is unfinished, and takes no rotation flags", async () => {
    const none = await runScript("rotate", [...local(), "--abandon-emergency", ...NO_MEDIA]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("dev has no unfinished emergency to abandon");
    const bad = await runScript("rotate", [...local(), "--abandon-emergency", "--only", "turn"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--abandon-emergency takes only the stack flags");
  });
});
