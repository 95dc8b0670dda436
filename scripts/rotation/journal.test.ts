import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Journal, type KindRun } from "./journal.ts";

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "journal-test-"));
  file = Journal.fileFor(dir, "prod");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const run = (kind: KindRun["kind"], status: KindRun["status"]): KindRun => ({
  kind,
  from: { active: "a", generations: { a: 1, b: 1 } },
  done: [],
  status,
  startedAt: new Date().toISOString(),
});

describe("rotation journal", () => {
  it("records each step on disk as it happens, and reads back what it wrote", () => {
    const journal = Journal.load(file, "prod", "2026-W48");
    journal.begin(run("turn", "in-progress"));
    journal.update("turn", { current: "regenerate" });
    expect(Journal.load(file, "prod", "2026-W48").run("turn")?.current).toBe("regenerate");
    journal.stepDone("turn", "regenerate");
    const reread = Journal.load(file, "prod", "2026-W48").run("turn");
    expect(reread).toMatchObject({ done: ["regenerate"], status: "in-progress" });
    expect(reread).not.toHaveProperty("current");
  });

  it("carries only unfinished rotations into a new period", () => {
    const journal = Journal.load(file, "prod", "2026-W47");
    journal.begin(run("turn", "done"));
    journal.begin(run("sfu", "in-progress"));
    const next = Journal.load(file, "prod", "2026-W48");
    next.startPeriod("2026-W48");
    expect(next.data.period).toBe("2026-W48");
    expect(next.data.runs.map((r) => r.kind)).toEqual(["sfu"]);
    expect(next.unfinished().map((r) => r.kind)).toEqual(["sfu"]);
  });

  it("refuses a journal of another stack, or one it cannot read, rather than guess", () => {
    Journal.load(file, "prod", "p").begin(run("turn", "done"));
    expect(() => Journal.load(file, "staging", "p")).toThrow(/belongs to stack prod, not staging/);
    writeFileSync(file, JSON.stringify({ version: 1, stack: "prod", period: "p", runs: [{ kind: "nope" }] }));
    expect(() => Journal.load(file, "prod", "p")).toThrow(/is not readable/);
  });

  it("holds slots and generations, never a credential", () => {
    Journal.load(file, "prod", "p").begin(run("api-token", "in-progress"));
    expect(Object.keys(JSON.parse(readFileSync(file, "utf8")).runs[0]).sort()).toEqual(
      ["done", "from", "kind", "startedAt", "status"].sort(),
    );
  });
});
