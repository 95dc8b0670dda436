import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";

/** A link in a Markdown file that does not lead anywhere: the file and the link as written. */
export interface BrokenLink {
  file: string;
  link: string;
  why: string;
}

/** Links outside the repository are not checked here (no network); only paths and anchors are. */
const EXTERNAL = /^(?:[a-z][a-z0-9+.-]*:|\/\/)/i;

/** `[text](target)` and `[text](target "title")`, and reference definitions `[name]: target`. */
const INLINE = /\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g;
const DEFINITION = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm;

/** The text of a Markdown file without its fenced code blocks and code spans, where nothing is a link. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "").replace(/`[^`\n]*`/g, "");
}

/**
 * GitHub's anchors for a Markdown file's headings: lowercase, punctuation other than `-` and `_`
 * dropped, spaces to `-`, and `-1`, `-2` … for repeats (github-slugger, which GitHub renders with).
 */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const withoutCode = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "");
  for (const [, heading] of withoutCode.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const text = heading!
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
      .replace(/<[^>]+>/g, "")
      .toLowerCase();
    const base = text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "").replace(/ /g, "-");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  for (const [, id] of markdown.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(id!);
  return anchors;
}

/** Every relative link of `file` (a path from `root`) that names no file, or no heading in it. */
export function brokenLinks(root: string, file: string): BrokenLink[] {
  const text = prose(readFileSync(join(root, file), "utf8"));
  const links = [...text.matchAll(INLINE), ...text.matchAll(DEFINITION)].map((m) => m[1]!);
  const broken: BrokenLink[] = [];
  for (const link of links) {
    if (EXTERNAL.test(link)) continue;
    const [path = "", anchor] = link.split("#", 2) as [string, string | undefined];
    const target = path === "" ? file : join(dirname(file), decodeURIComponent(path));
    if (relative(root, join(root, target)).startsWith("..")) {
      broken.push({ file, link, why: "leaves the repository" });
      continue;
    }
    if (!existsSync(join(root, target))) {
      broken.push({ file, link, why: `no such file: ${target}` });
      continue;
    }
    if (
      anchor === undefined ||
      anchor === "" ||
      !target.endsWith(".md") ||
      statSync(join(root, target)).isDirectory()
    ) {
      continue;
    }
    if (!headingAnchors(readFileSync(join(root, target), "utf8")).has(anchor)) {
      broken.push({ file, link, why: `no heading #${anchor} in ${target}` });
    }
  }
  return broken;
}
