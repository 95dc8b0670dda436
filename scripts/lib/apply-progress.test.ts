import { describe, expect, it } from "vitest";
import type { Step } from "#local-engine/engine.ts";
import { applyProgress } from "./apply-progress.ts";
import type { ProgressRow } from "./progress.ts";

const step = (op: Step["op"], name: string): Step => ({
  op,
  type: "pulumi-nodejs:dynamic/cloudflare:StreamLiveInput",
  name,
});

describe("the local engine's apply as progress", () => {
  it("counts every step, names the latest change, and ends with a tally", () => {
    const rows: ProgressRow[] = [];
    const applying = applyProgress({ set: (row) => rows.push(row), note: () => {}, close: () => {} });
    applying.onStep(step("same", "a"));
    applying.onStep(step("create", "b"));
    applying.onStep(step("same", "c"));
    applying.finished();
    expect(rows.map((r) => [r.status, r.count?.done, r.detail])).toEqual([
      ["running", 1, undefined],
      ["running", 2, "create StreamLiveInput b"],
      // A step that changes nothing keeps the latest change in view.
      ["running", 3, "create StreamLiveInput b"],
      ["passed", 3, "1 create, 2 same"],
    ]);
  });

  it("says why it failed", () => {
    const rows: ProgressRow[] = [];
    const applying = applyProgress({ set: (row) => rows.push(row), note: () => {}, close: () => {} });
    applying.finished("HTTP 400");
    expect(rows.at(-1)).toMatchObject({ status: "failed", detail: "HTTP 400", count: { done: 0 } });
  });
});
