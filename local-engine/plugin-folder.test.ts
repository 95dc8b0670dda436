import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { pluginFolder } from "./plugin-folder.ts";
import { REPO_ROOT } from "./testing.ts";

describe("the folder Pulumi starts plugins in", () => {
  const made: string[] = [];
  afterEach(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const project = (yaml: string, files: string[] = []) => {
    const root = mkdtempSync(join(tmpdir(), "plugin-folder-"));
    made.push(root);
    writeFileSync(join(root, "Pulumi.yaml"), yaml);
    for (const file of files) {
      mkdirSync(join(root, file, ".."), { recursive: true });
      writeFileSync(join(root, file), "");
    }
    return root;
  };

  it("is the folder of main when main is a file: infra/ for this project", () => {
    expect(pluginFolder(REPO_ROOT)).toBe(join(REPO_ROOT, "infra"));
  });

  it("is main itself when it is a folder, and the project when there is no main", () => {
    const withFolder = project("name: p\nruntime: nodejs\nmain: src\n", ["src/index.ts"]);
    expect(pluginFolder(withFolder)).toBe(join(withFolder, "src"));
    const plain = project("name: p\nruntime: nodejs\n");
    expect(pluginFolder(plain)).toBe(plain);
  });
});
