import { readFileSync } from "node:fs";
import { join } from "node:path";
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
const job = z
  .object({ "runs-on": z.string(), if: z.string().optional(), steps: z.array(step).min(1) })
  .loose();
const workflow = z
  .object({ name: z.string(), on: z.record(z.string(), z.unknown()), jobs: z.record(z.string(), job) })
  .loose();

const load = (file: string) =>
  workflow.parse(parse(readFileSync(join(REPO_ROOT, ".github", "workflows", file), "utf8")));
const scripts = Object.keys(
  (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> })
    .scripts,
);
const runs = (wf: z.infer<typeof workflow>, jobName: string) =>
  wf.jobs[jobName]!.steps.flatMap((s) => (s.run ? [s.run] : []));

describe.each(["deploy.yml", "rotate.yml"])("%s", (file) => {
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

  it("installs dependencies and the Pulumi CLI before using them", () => {
    for (const j of Object.values(wf.jobs)) {
      const uses = j.steps.map((s) => s.uses ?? s.run ?? "");
      const npmCi = uses.findIndex((u) => u.startsWith("npm ci"));
      const firstScript = uses.findIndex((u) => u.startsWith("npm run"));
      expect(uses.some((u) => u.startsWith("actions/checkout@"))).toBe(true);
      expect(uses.some((u) => u.startsWith("pulumi/actions@"))).toBe(true);
      expect(npmCi).toBeGreaterThan(-1);
      expect(npmCi).toBeLessThan(firstScript);
    }
  });
});

describe("deploy.yml", () => {
  const wf = load("deploy.yml");
  it("previews pull requests and deploys pushes to main, then smoke runs as part of deploy", () => {
    expect(wf.on).toMatchObject({ pull_request: { branches: ["main"] }, push: { branches: ["main"] } });
    expect(wf.jobs.preview!.if).toBe("github.event_name == 'pull_request'");
    expect(runs(wf, "preview")).toContain('npm run deploy -- --stack "$STACK" --preview');
    // A pull request never deploys: every deploy call in the preview job carries --preview.
    expect(
      runs(wf, "preview").filter((r) => r.startsWith("npm run deploy") && !r.endsWith("--preview")),
    ).toEqual([]);
    expect(wf.jobs.deploy!.if).toBe("github.event_name != 'pull_request'");
    expect(runs(wf, "deploy")).toContain('npm run deploy -- --stack "$STACK"');
  });
});

describe("rotate.yml", () => {
  const wf = load("rotate.yml");
  it("runs weekly and on demand, one at a time, and commits the rotated config even when it fails", () => {
    expect(wf.on.schedule).toEqual([{ cron: "17 3 * * 1" }]);
    expect(wf.on).toHaveProperty("workflow_dispatch");
    expect(wf).toMatchObject({ concurrency: { "cancel-in-progress": false } });
    const commit = wf.jobs.rotate!.steps.find((s) => s.run?.includes("git push"));
    expect(commit?.if).toContain("always()");
    expect(commit?.run).toContain('git add "Pulumi.$STACK.yaml" .rotation/');
    expect(runs(wf, "rotate")).toContain(
      'npm run rotate -- --stack "$STACK" --only "$ONLY" --state-dir .rotation $DRY_RUN $FORCE',
    );
  });
});
