import { describe, expect, it } from "vitest";
import { isoWeek, PERIOD_PATTERN } from "./period.ts";

describe("isoWeek", () => {
  it("follows ISO 8601: the week belongs to the year of its Thursday", () => {
    expect(isoWeek(new Date("2026-01-01T12:00:00Z"))).toBe("2026-W01");
    expect(isoWeek(new Date("2024-12-30T00:00:00Z"))).toBe("2025-W01");
    expect(isoWeek(new Date("2027-01-01T00:00:00Z"))).toBe("2026-W53");
    expect(isoWeek(new Date("2026-11-23T03:17:00Z"))).toBe("2026-W48");
    expect(isoWeek(new Date("2026-11-29T23:59:59Z"))).toBe("2026-W48");
  });

  it("produces labels the period pattern accepts", () => {
    expect(PERIOD_PATTERN.test(isoWeek(new Date()))).toBe(true);
    expect(PERIOD_PATTERN.test("../etc")).toBe(false);
  });
});
