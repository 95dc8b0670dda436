import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CONFIG_NAMESPACE } from "#infra/config.ts";
import { WORKERS_SCRIPT } from "#infra/type-tokens.ts";
import { isWrappedSecret } from "#local-engine/secret-wire.ts";
import { asPulumiConfig, devStackValues, withValue } from "./stack-config.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const project = parse(readFileSync(`${ROOT}/Pulumi.yaml`, "utf8")) as {
  name: string;
  main: string;
  runtime: { name: string; options: { typescript: boolean; nodeargs: string } };
};

interface CliRun {
  code: number;
  stderr: string;
  registered: string[];
  outputs: Record<string, unknown> | null;
}

/** `pulumi up`'s way of starting the program, with the engine replaced by mocks (load-as-cli.ts). */
async function runAsCli(values: Record<string, unknown>): Promise<CliRun> {
  const { PULUMI_NODEJS_TYPESCRIPT: _unsetByTypescriptFalse, ...env } = process.env;
  const args = [
    ...project.runtime.options.nodeargs.split(/\s+/),
    "test/infra/load-as-cli.ts",
    project.main,
    project.name,
    "dev",
  ];
  const result = await promisify(execFile)(process.execPath, args, {
    cwd: ROOT,
    timeout: 25_000,
    env: {
      ...env,
      PULUMI_CONFIG: JSON.stringify(asPulumiConfig(values)),
      PULUMI_CONFIG_SECRET_KEYS: JSON.stringify([
        `${CONFIG_NAMESPACE}:signingSecret`,
        `${CONFIG_NAMESPACE}:webhookSecret`,
      ]),
    },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
  const report = JSON.parse(result.stdout.trim().split("\n").at(-1)!) as Omit<CliRun, "code" | "stderr">;
  return { code: result.code, stderr: result.stderr, ...report };
}

describe("Pulumi.yaml", () => {
  it("declares the project whose name is the config namespace, and a TypeScript ESM entry Pulumi can load", () => {
    expect(project.name).toBe(CONFIG_NAMESPACE);
    expect(project.runtime.name).toBe("nodejs");
    expect(project.runtime.options.typescript).toBe(false);
    expect(existsSync(`${ROOT}/${project.main}`)).toBe(true);
  });

  it("runs under Pulumi's own Node.js loader with its nodeargs, publishing the outputs with secrets marked", async () => {
    const run = await runAsCli(devStackValues());
    expect(run.code, run.stderr).toBe(0);
    expect(run.registered).toContain("pulumi:pulumi:Stack realtime-stack-dev");
    expect(run.registered).toContain(`${WORKERS_SCRIPT} realtime-worker`);
    expect(run.registered.filter((r) => r.includes("StreamLiveInput"))).toHaveLength(4);
    const outputs = run.outputs as {
      workerUrl: string;
      tenants: Record<
        string,
        { apiKey: unknown; channels: Record<string, { liveInputId: unknown; streamKey: unknown }> }
      >;
    };
    expect(outputs.workerUrl).toBe("https://realtime-stack-dev.my-account.workers.dev");
    expect(isWrappedSecret(outputs.tenants.acme?.apiKey)).toBe(true);
    expect(isWrappedSecret(outputs.tenants.acme?.channels["main-stage"]?.streamKey)).toBe(true);
    expect(outputs.tenants.acme?.channels["main-stage"]?.liveInputId).toMatch(/^[0-9a-f]{32}$/);
  });

  it("stops a bad config with Pulumi's user-error exit and the problem's key path, registering nothing", async () => {
    const run = await runAsCli(withValue(devStackValues(), "worker", ["scriptName"], "Not Valid"));
    expect(run.code).toBe(32);
    expect(run.stderr).toContain("Invalid stack configuration (1 problem)");
    expect(run.stderr).toContain("realtime-stack:worker.scriptName: must match");
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.registered).toEqual(["pulumi:pulumi:Stack realtime-stack-dev"]);
  });
});
