import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
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
  it("writes the sections of every store as one owner-only document, through no leftover temporary file", async () => {
    const file = newFile();
    const state = new StateFile(file);
    let count = 1;
    const a = state.section<{ count: number }>(["count"], () => ({ count }));
    state.section<{ names: string[] }>(["names"], () => ({ names: ["x"] }));
    expect(a.loaded).toBeUndefined();
    count = 2;
    a.changed();
    await state.written();
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

  it("writes changes made together once, and settles written() only when they are on disk", async () => {
    const file = newFile();
    const state = new StateFile(file);
    let value = 0;
    let writes = 0;
    const section = state.section<{ value: number }>(["value"], () => {
      writes += 1;
      return { value };
    });
    let settled = false;
    for (value = 1; value <= 900; value += 1) section.changed();
    value -= 1;
    const done = state.written().then(() => {
      settled = true;
    });
    // Nothing is written while the code that made the changes runs, so nothing is settled either.
    expect([settled, writes]).toEqual([false, 0]);
    await done;
    expect([read(file), writes]).toEqual([{ value: 900 }, 1]);
    await state.written();
    expect(writes).toBe(1);
  });

  it("rejects written() with why the file could not be written", async () => {
    // A folder that is a file: neither the folder nor the file in it can be made.
    const notAFolder = newFile();
    writeFileSync(notAFolder, "");
    const state = new StateFile(join(notAFolder, "state.json"));
    const section = state.section<{ value: number }>(["value"], () => ({ value: 1 }));
    section.changed();
    await expect(state.written()).rejects.toThrow(/EEXIST|ENOTDIR/);
  });

  it("tries a failed write again for the next caller, and writes a batch whose change threw halfway", async () => {
    const blocker = newFile();
    // A folder that is a file for now: the write fails until it is moved away.
    writeFileSync(blocker, "");
    const file = join(blocker, "state.json");
    const state = new StateFile(file);
    let value = 1;
    const section = state.section<{ value: number }>(["value"], () => ({ value }));
    section.changed();
    await expect(state.written()).rejects.toThrow(/EEXIST|ENOTDIR/);
    rmSync(blocker);
    await state.written();
    expect(read(file)).toEqual({ value: 1 });

    expect(() =>
      state.batch(() => {
        value = 2;
        section.changed();
        throw new Error("a store's reset failed halfway");
      }),
    ).toThrow("halfway");
    await state.written();
    expect(read(file)).toEqual({ value: 2 });
  });
});
