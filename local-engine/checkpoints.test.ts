import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Checkpoints } from "./checkpoints.ts";
import { type EngineState, loadState } from "./state-file.ts";

const dir = mkdtempSync(join(tmpdir(), "checkpoints-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const emptyState = (): EngineState => ({
  version: 1,
  stack: "dev",
  seq: 0,
  resources: {},
  pendingDeletes: [],
});

describe("checkpoints", () => {
  it("writes the state after every step by default, as Pulumi does", () => {
    const file = join(dir, "every-step.json");
    const state = emptyState();
    const checkpoints = new Checkpoints(file, state, {});
    state.seq = 1;
    checkpoints.step();
    expect(loadState(file, "dev").seq).toBe(1);
  });

  it.each(["1", "true", "TRUE"])(
    "with PULUMI_SKIP_CHECKPOINTS=%s writes it only as the operation ends",
    (value) => {
      const file = join(dir, `skip-${value}.json`);
      const state = emptyState();
      const checkpoints = new Checkpoints(file, state, { PULUMI_SKIP_CHECKPOINTS: value });
      state.seq = 1;
      checkpoints.step();
      expect(existsSync(file)).toBe(false);
      state.seq = 2;
      checkpoints.close();
      expect(loadState(file, "dev").seq).toBe(2);
    },
  );

  it("takes any other value as not set, as Pulumi's BoolValue does", () => {
    const file = join(dir, "yes.json");
    const state = emptyState();
    new Checkpoints(file, state, { PULUMI_SKIP_CHECKPOINTS: "yes" }).step();
    expect(existsSync(file)).toBe(true);
  });
});
