import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { pruneStaleBuilds } from "./worker-assets.ts";

const base = mkdtempSync(join(tmpdir(), "worker-assets-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

function build(root: string, name: string, ageHours: number, now: number): string {
  const dir = join(root, name);
  mkdirSync(join(dir, "dashboard"), { recursive: true });
  writeFileSync(join(dir, "dashboard", "app.js"), "");
  const at = (now - ageHours * 3_600_000) / 1000;
  utimesSync(dir, at, at);
  return dir;
}

describe("the Worker's asset builds", () => {
  it("keep the five newest whatever their age, and drop older ones not built for a day, staging folders included", () => {
    const root = join(base, "many");
    const now = Date.now();
    const newest = [30, 31, 32, 33, 34].map((age, i) => build(root, `newest-${i}`, age, now));
    const recent = build(root, "recent-but-sixth", 35 - 34.5, now);
    const stale = build(root, "0123456789abcdef", 40, now);
    const leftover = build(root, "fedcba9876543210.4242.staging", 41, now);
    pruneStaleBuilds(root, now);
    // The 30-minute-old build is the newest, so the oldest of the five 30+ hour ones is sixth and goes.
    expect(newest.map((d) => existsSync(d))).toEqual([true, true, true, true, false]);
    expect([existsSync(recent), existsSync(stale), existsSync(leftover)]).toEqual([true, false, false]);
  });

  it("keep every build of the last day, however many", () => {
    const root = join(base, "busy-day");
    const now = Date.now();
    const builds = Array.from({ length: 8 }, (_, i) => build(root, `build-${i}`, i + 1, now));
    pruneStaleBuilds(root, now);
    expect(builds.every((d) => existsSync(d))).toBe(true);
  });

  it("leave a root that does not exist yet alone", () => {
    expect(() => pruneStaleBuilds(join(base, "missing"), Date.now())).not.toThrow();
  });
});
