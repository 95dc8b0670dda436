import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { brokenLinks, headingAnchors } from "./doc-links.ts";

/**
 * Every relative link in the repository's Markdown (the README, docs/, bench/README.md and the
 * subsystem READMEs) names a file that exists and, into a Markdown file, a heading it has: the
 * docs are split across files, and a moved section must not leave links pointing at nothing.
 */
const root = resolve(new URL("../..", import.meta.url).pathname);
const markdown = execFileSync(
  "git",
  ["ls-files", "-z", "--cached", "--others", "--exclude-standard", "*.md"],
  {
    cwd: root,
    encoding: "utf8",
  },
)
  .split("\0")
  .filter((f) => f !== "" && !f.includes("node_modules/"));

describe("links in the docs", () => {
  it("covers the README, docs/ and the subsystem READMEs", () => {
    for (const file of [
      "README.md",
      "docs/configuration.md",
      "bench/README.md",
      "local-engine/README.md",
      "infra/providers/README.md",
      "emulator/README.md",
    ]) {
      expect(markdown).toContain(file);
    }
  });

  it("has no relative link that leads nowhere", () => {
    expect(markdown.flatMap((file) => brokenLinks(root, file))).toEqual([]);
  });

  it("finds a broken file link and a broken anchor (the check itself works)", () => {
    const dir = mkdtempSync(join(tmpdir(), "doc-links-"));
    mkdirSync(join(dir, "docs"));
    writeFileSync(join(dir, "docs", "a.md"), "# A page\n\n## The `x` part: why\n");
    writeFileSync(
      join(dir, "README.md"),
      [
        "[fine](docs/a.md#the-x-part-why) [also fine](#top) [external](https://example.com/nowhere)",
        "[gone](docs/b.md) [no heading](docs/a.md#nothing)",
        "```sh",
        "[not a link](docs/c.md)",
        "```",
        "# Top",
      ].join("\n"),
    );
    expect(brokenLinks(dir, "README.md")).toEqual([
      { file: "README.md", link: "docs/b.md", why: "no such file: docs/b.md" },
      { file: "README.md", link: "docs/a.md#nothing", why: "no heading #nothing in docs/a.md" },
    ]);
  });

  it("makes GitHub's anchors, repeats numbered", () => {
    expect([
      ...headingAnchors(
        "# Deploy, smoke checks, rotation\n## Probes: a broadcaster goes live\n## Deploy, smoke checks, rotation\n",
      ),
    ]).toEqual([
      "deploy-smoke-checks-rotation",
      "probes-a-broadcaster-goes-live",
      "deploy-smoke-checks-rotation-1",
    ]);
  });
});
