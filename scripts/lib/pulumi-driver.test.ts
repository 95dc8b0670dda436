import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import type { EngineEvent, OpType } from "@pulumi/pulumi/automation/index.js";
import { describe, expect, it, onTestFinished, vi } from "vitest";
import { messageOf } from "#infra/api/error-message.ts";
import {
  changeFromEvent,
  collectChanges,
  outputValues,
  PulumiDriver,
  pulumiFailure,
  structuredConfigJson,
} from "./pulumi-driver.ts";

const URN = "urn:pulumi:prod::realtime-stack::realtime-stack:index:RealtimeStack$";

/** A `resourcePreEvent` as the Automation API hands it to `onEvent` during preview and up. */
function pre(
  op: OpType,
  type: string,
  name: string,
  extra: { provider?: string; diffs?: string[] } = {},
): EngineEvent {
  return {
    sequence: 1,
    timestamp: 0,
    resourcePreEvent: {
      metadata: {
        op,
        urn: `${URN}${type}::${name}`,
        type,
        provider:
          extra.provider ?? "urn:pulumi:prod::realtime-stack::pulumi:providers:cloudflare::default::id",
        ...(extra.diffs ? { diffs: extra.diffs } : {}),
      },
    },
  };
}

const TURN = "pulumi-nodejs:dynamic/cloudflare:RealtimeTurnKey";
const WORKER = "cloudflare:index/workersScript:WorkersScript";

describe("how a Pulumi preview is read", () => {
  it("keeps resource changes with their logical name and changed properties", () => {
    expect(changeFromEvent(pre("update", WORKER, "realtime-worker", { diffs: ["bindings"] }))).toEqual({
      op: "update",
      type: WORKER,
      name: "realtime-worker",
      diffs: ["bindings"],
    });
  });

  it("ignores what changes nothing, the stack and components, but not providers", () => {
    expect(changeFromEvent(pre("same", TURN, "realtime-turn-a-g1"))).toBeUndefined();
    expect(changeFromEvent(pre("read", TURN, "realtime-turn-a-g1"))).toBeUndefined();
    expect(
      changeFromEvent(pre("update", "pulumi:pulumi:Stack", "realtime-stack-prod", { provider: "" })),
    ).toBeUndefined();
    expect(
      changeFromEvent(pre("create", "realtime-stack:index:RealtimeStack", "realtime", { provider: "" })),
    ).toBeUndefined();
    expect(
      changeFromEvent(pre("update", "pulumi:providers:cloudflare", "default", { provider: "" })),
    ).toMatchObject({
      op: "update",
      type: "pulumi:providers:cloudflare",
    });
    expect(changeFromEvent({ sequence: 2, timestamp: 0, summaryEvent: {} as never })).toBeUndefined();
  });

  it("counts a replacement's create-replacement, replace and delete-replaced steps as one change", () => {
    const changes = collectChanges([
      pre("create-replacement", TURN, "realtime-turn-b-g1"),
      pre("replace", TURN, "realtime-turn-b-g1"),
      pre("delete-replaced", TURN, "realtime-turn-b-g1"),
      pre("create", TURN, "realtime-turn-b-g2"),
      pre("delete", TURN, "realtime-turn-b-g1-old"),
    ]);
    expect(changes.map((c) => `${c.op} ${c.name}`)).toEqual([
      "replace realtime-turn-b-g1",
      "create realtime-turn-b-g2",
      "delete realtime-turn-b-g1-old",
    ]);
  });
});

describe("stack outputs and config through the Automation API", () => {
  it("reads output values as `pulumi stack output --json --show-secrets` prints them", () => {
    expect(
      outputValues({
        workerUrl: { value: "https://w.example", secret: false },
        key: { value: "s", secret: true },
      }),
    ).toEqual({ workerUrl: "https://w.example", key: "s" });
  });

  it("writes the rotation as a structured value, so Pulumi.<stack>.yaml keeps a YAML map", () => {
    const rotation = { turn: { active: "b", generations: { a: 1, b: 2 } } };
    expect(JSON.parse(structuredConfigJson("realtime-stack:rotation", rotation))).toEqual({
      "realtime-stack:rotation": { value: JSON.stringify(rotation), objectValue: rotation, secret: false },
    });
  });
});

describe("pulumiFailure", () => {
  it("says the CLI is missing when it cannot be spawned", () => {
    const e = new Error("code: -2\n stdout: \n stderr: \n err?: Error: spawn pulumi ENOENT\n");
    expect(pulumiFailure(e)).toBe("the Pulumi CLI (pulumi) is not installed or not on PATH");
  });

  it("keeps the first line Pulumi wrote to stderr, since the rest was streamed already", () => {
    const e = new Error(
      "code: 255\n stdout: Previewing update (prod):\n  ~ realtime-worker update\n stderr: error: no stack named 'prod' found\n  more detail\n err?: Error: exit 255\n",
    );
    expect(pulumiFailure(e)).toBe("error: no stack named 'prod' found");
  });

  it("falls back to the error, then to the first line", () => {
    expect(pulumiFailure(new Error("code: 1\n stdout: \n stderr: \n err?: Error: killed\n"))).toBe(
      "Error: killed",
    );
    expect(pulumiFailure(new Error("\nsomething else\n"))).toBe("something else");
  });
});

/**
 * A `pulumi` on PATH that the real Automation API runs: it reports a version and selects any stack,
 * and fails `config set` as the CLI does when the backend refuses (there is no Pulumi CLI on this
 * machine, and the point is what the Automation API makes of a failure, not the CLI itself).
 */
function fakePulumiCli(stderr: string): string {
  const dir = mkdtempSync(join(tmpdir(), "fake-pulumi-"));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const cli = join(dir, "pulumi");
  writeFileSync(
    cli,
    [
      "#!/bin/sh",
      'case "$1 $2" in',
      '  "version "*) echo "v3.248.0" ;;',
      `  "config set") echo "${stderr}" >&2; exit 255 ;;`,
      "esac",
    ].join("\n"),
  );
  chmodSync(cli, 0o755);
  writeFileSync(join(dir, "Pulumi.yaml"), "name: realtime-stack\nruntime: nodejs\n");
  vi.stubEnv("PATH", `${dir}${delimiter}${process.env.PATH}`);
  onTestFinished(() => {
    vi.unstubAllEnvs();
  });
  return dir;
}

/** What `setSecret` threw, through the real Automation API and the fake CLI. */
async function setSecretFailure(cliStderr: string, secret: string): Promise<unknown> {
  const root = fakePulumiCli(cliStderr);
  const driver = await PulumiDriver.select({ stack: "prod", root, log: () => {} });
  return driver.setSecret("realtime-stack:signingSecret", secret).then(
    () => expect.unreachable("config set failed, so setSecret must throw"),
    (e: unknown) => e,
  );
}

// The Automation API passes the value as the command's last argument and quotes the command in
// its error, which then goes to the progress line, the rotation journal and CI's log.
describe("setSecret, when `pulumi config set --secret` fails", () => {
  const secret = `fake-${randomBytes(16).toString("hex")}`;
  const leaks = (error: unknown) => JSON.stringify(error, Object.getOwnPropertyNames(error)).includes(secret);

  it("says the CLI's reason, not the command line that holds the value", async () => {
    const error = await setSecretFailure("error: [500] the backend is unavailable", secret);
    expect(messageOf(error)).toBe(
      "pulumi config set --secret failed: error: [500] the backend is unavailable",
    );
    expect(leaks(error)).toBe(false);
  });

  it("cuts the value out when the CLI said nothing and the command line is all there is", async () => {
    const error = await setSecretFailure("", secret);
    expect(messageOf(error)).toContain("-- [secret]");
    expect(leaks(error)).toBe(false);
  });
});
