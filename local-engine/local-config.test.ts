import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readStackConfig } from "./local-config.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function stackFile(yaml: string): { root: string; stateDir: string } {
  const root = mkdtempSync(join(tmpdir(), "local-config-"));
  dirs.push(root);
  writeFileSync(join(root, "Pulumi.dev.yaml"), yaml);
  return { root, stateDir: join(root, "state") };
}

describe("readStackConfig", () => {
  it("gives each secure value nested in a structured one (pulumi config set --secret --path) a local secret named by its path, kept across reads", () => {
    const { root, stateDir } = stackFile(
      [
        "config:",
        "  realtime-stack:outputStreamKeys:",
        '    "acme/main-stage/youtube":',
        "      secure: AAABAGZha2U=",
        "    plain/value/here: in-clear",
      ].join("\n"),
    );
    const first = readStackConfig(root, "dev", stateDir);
    const keys = JSON.parse(first["realtime-stack:outputStreamKeys"]!) as Record<string, string>;
    expect(keys["plain/value/here"]).toBe("in-clear");
    expect(keys["acme/main-stage/youtube"]).toMatch(/^[0-9a-f]{64}$/);
    const stored = JSON.parse(readFileSync(join(stateDir, "dev.secrets.json"), "utf8"));
    expect(stored['realtime-stack:outputStreamKeys["acme/main-stage/youtube"]']).toBe(
      keys["acme/main-stage/youtube"],
    );
    expect(readStackConfig(root, "dev", stateDir)).toEqual(first);
  });
});
