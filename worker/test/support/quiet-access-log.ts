import { vi } from "vitest";
import { ACCESS_LOG_MARK } from "../../src/middleware/access-log.ts";

/**
 * The Worker writes an access-log line per request: thousands in a test run. They are dropped
 * here, while still recorded by the spy for the tests that read console output.
 */
const print = console.log.bind(console);
vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
  if (typeof args[0] === "string" && args[0].startsWith(ACCESS_LOG_MARK)) return;
  print(...args);
});
