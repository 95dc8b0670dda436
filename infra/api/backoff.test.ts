import { describe, expect, it } from "vitest";
import { backoffDelay } from "./backoff.ts";

describe("backoffDelay", () => {
  it("doubles a ceiling up to the maximum and keeps at least half of it", () => {
    const at = (attempt: number, random: number) =>
      backoffDelay(attempt, { baseMs: 100, maxMs: 1000, random: () => random });
    expect([at(1, 0), at(1, 1)]).toEqual([50, 100]);
    expect([at(3, 0), at(3, 1)]).toEqual([200, 400]);
    expect([at(10, 0), at(10, 1)]).toEqual([500, 1000]);
  });
});
