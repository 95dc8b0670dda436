import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { GENERATED_FILE, renderDashboardAssets } from "#worker/src/dashboard/build.ts";

describe("the dashboard's generated assets", () => {
  it("are what its sources build to (run `npm run build:dashboard` after changing them)", async () => {
    expect(readFileSync(GENERATED_FILE, "utf8")).toBe(await renderDashboardAssets());
  });
});
