import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { StateFile } from "./state-file.ts";

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const newFile = () => {
  dir = mkdtempSync(join(tmpdir(), "state-file-"));
  return join(dir, "state.json");
};
const read = (file: string) => JSON.parse(readFileSync(file, "utf8"));

describe("StateFile", () => {
  it("writes the sections of every store as one owner-only document, through no leftover temporary file", () => {
    const file = newFile();
    const state = new StateFile(file);
    let count = 1;
    const a = state.section<{ count: number }>(["count"], () => ({ count }));
    state.section<{ names: string[] }>(["names"], () => ({ names: ["x"] }));
    expect(a.loaded).toBeUndefined();
    count = 2;
    a.changed();
    expect(read(file)).toEqual({ count: 2, names: ["x"] });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(["state.json"]);

    const again = new StateFile(file);
    expect(again.section<{ count: number }>(["count"], () => ({ count: 0 })).loaded).toEqual({ count: 2 });
    expect(again.section<{ other: number }>(["other"], () => ({ other: 0 })).loaded).toEqual({});
  });

  it("refuses a key that another store already owns", () => {
    const state = new StateFile();
    state.section<{ tokens: number }>(["tokens"], () => ({ tokens: 1 }));
    expect(() => state.section<{ tokens: number }>(["tokens"], () => ({ tokens: 2 }))).toThrow(
      /two stores claim the state key "tokens"/,
    );
  });

  it("writes a batch of changes once, at its end", () => {
    const file = newFile();
    const state = new StateFile(file);
    let value = "before";
    const section = state.section<{ value: string }>(["value"], () => ({ value }));
    state.save();
    state.batch(() => {
      value = "after";
      section.changed();
      expect(read(file)).toEqual({ value: "before" });
    });
    expect(read(file)).toEqual({ value: "after" });
  });
});
