import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createProgress, groupedProgress } from "./progress.ts";

function capture(isTTY: boolean) {
  const out = new PassThrough() as PassThrough & { isTTY: boolean; columns: number };
  out.isTTY = isTTY;
  out.columns = 120;
  let text = "";
  out.on("data", (chunk: Buffer) => {
    text += chunk.toString();
  });
  return { out: out as unknown as NodeJS.WriteStream, text: () => text };
}

describe("progress output", () => {
  it("logs one line per change of state when not on a terminal, and a retry loop once", () => {
    const { out, text } = capture(false);
    const progress = createProgress({ json: false, out });
    progress.set({ name: "turn", status: "pending", attempts: 0 });
    progress.set({ name: "turn", status: "running", attempts: 1 });
    progress.set({ name: "turn", status: "retrying", attempts: 2, detail: "HTTP 502" });
    progress.set({ name: "turn", status: "retrying", attempts: 3, detail: "HTTP 502" });
    progress.set({ name: "turn", status: "passed", attempts: 3, durationMs: 1234, detail: "2 TURN URLs" });
    progress.close();
    const lines = text().trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\[\s*\d+\.\ds\] turn: retrying — HTTP 502$/);
    expect(lines[1]).toMatch(/turn: passed \(3 attempts, 1\.2 s\) — 2 TURN URLs$/);
  });

  it("redraws a table in place on a terminal", () => {
    const { out, text } = capture(true);
    const progress = createProgress({ json: false, out });
    progress.set({ name: "health", status: "running", attempts: 1 });
    progress.set({ name: "health", status: "passed", attempts: 1, durationMs: 12 });
    progress.close();
    const closed = text();
    progress.close();
    expect(text()).toBe(closed);
    expect(closed).toContain("\x1b[1A\x1b[0J");
    expect(closed).toMatch(/health\s+.*passed/);
  });

  it("shows a row that stands for many steps with its count: live on a terminal, a line per change in a pipe", () => {
    const pipe = capture(false);
    const logged = createProgress({ json: false, out: pipe.out });
    const tty = capture(true);
    const live = createProgress({ json: false, out: tty.out });
    for (const progress of [logged, live]) {
      progress.set({
        name: "keys",
        status: "running",
        attempts: 1,
        count: { done: 1, total: 3_000 },
        detail: "a/x",
      });
      progress.set({
        name: "keys",
        status: "running",
        attempts: 1,
        count: { done: 2, total: 3_000 },
        detail: "a/x",
      });
      progress.set({
        name: "keys",
        status: "running",
        attempts: 1,
        count: { done: 3, total: 3_000 },
        detail: "b/y",
      });
      progress.close();
    }
    const lines = pipe.text().trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^\[\s*\d+\.\ds\] keys: running \[3\/3,000\] — b\/y$/);
    expect(tty.text()).toMatch(/keys\s+running\s+3\/3,000\s+b\/y\n$/);
  });

  it("shows many like rows as one, a line per row that ends in a pipe", () => {
    const { out, text } = capture(false);
    const progress = groupedProgress(createProgress({ json: false, out }), {
      prefix: "live-input ",
      name: "live-inputs",
      total: 3,
    });
    progress.set({ name: "health", status: "passed", attempts: 1, durationMs: 3 });
    for (const channel of ["a/x", "a/y", "b/z"])
      progress.set({ name: `live-input ${channel}`, status: "pending", attempts: 0 });
    progress.set({ name: "live-input a/x", status: "passed", attempts: 1 });
    progress.set({ name: "live-input a/y", status: "retrying", attempts: 2, detail: "HTTP 502" });
    progress.set({ name: "live-input b/z", status: "failed", attempts: 1, detail: "disabled" });
    progress.set({ name: "live-input a/y", status: "passed", attempts: 2 });
    const lines = text().trim().split("\n");
    expect(
      lines.map((l) => l.replace(/^\[\s*\d+\.\ds\] /, "").replace(/(\d+ attempts?, )?[\d.]+ m?s\)/, "…)")),
    ).toEqual(
      [
        "health: passed (…) — ",
        "live-inputs: running [1/3] — a/x passed",
        "live-inputs: running [2/3] — b/z failed: disabled",
        "live-inputs: failed [3/3] (…) — 2 passed, 1 failed",
      ].map((l) => l.replace(/ — $/, "")),
    );
  });

  it("prints nothing for --json", () => {
    const { out, text } = capture(false);
    const progress = createProgress({ json: true, out });
    progress.set({ name: "health", status: "failed", attempts: 1, detail: "down" });
    progress.note("note");
    progress.close();
    expect(text()).toBe("");
  });
});
