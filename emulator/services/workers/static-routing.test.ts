import { describe, expect, it } from "vitest";
import { staticRouting } from "./static-routing.ts";

// The cases and messages of workers-shared's parseStaticRouting tests, which wrangler runs before an upload.
describe("run_worker_first rules", () => {
  it("split into the paths the Worker takes first and the `!/` paths the assets keep", () => {
    expect(staticRouting(["/api/*", "!/api/static/*", "/healthz"])).toEqual({
      user_worker: ["/api/*", "/healthz"],
      asset_worker: ["/api/static/*"],
    });
  });

  it.each([
    [[], "No `run_worker_first` rules were provided; must provide at least 1 rule."],
    [
      Array.from({ length: 101 }, (_, i) => `/r${i}`),
      "Too many `run_worker_first` rules were provided; 101 rules provided exceeds max of 100.",
    ],
    [
      ["!/assets/*"],
      "Only negative `run_worker_first` rules were provided; must provide at least 1 non-negative rule",
    ],
    [
      ["/api/*", "api/*", "!api"],
      "'api/*': rules must start with '/' or '!/'\n'!api': negative rules must start with '!/'",
    ],
    [["/api/*", "/api/status"], "'/api/status': rule '/api/*' makes it redundant"],
    [["/a", "/a"], "'/a': rule is a duplicate; rules must be unique"],
    [[`/${"x".repeat(100)}`], `'/${"x".repeat(100)}': all rules must be less than 100 characters in length`],
  ])("refuse %j with Cloudflare's validation code", (rules, message) => {
    const refusal = staticRouting(rules);
    expect(refusal).toEqual({ code: 10021, message: expect.stringContaining(message) });
  });
});
