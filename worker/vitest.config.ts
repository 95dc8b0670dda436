import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineProject } from "vitest/config";
import "./test/support/fixture.ts";

export default defineProject({
  plugins: [
    // The bindings come from the global setup, which seeds the emulator before any Worker starts.
    cloudflareTest(async ({ inject }) => ({
      wrangler: { configPath: "./wrangler.jsonc" },
      miniflare: { bindings: inject("fixture").bindings },
    })),
  ],
  test: {
    name: "workers",
    include: ["test/**/*.test.ts", "src/**/*.test.ts"],
    globalSetup: ["./test/global-setup.ts"],
    testTimeout: 20_000,
    setupFiles: ["./test/support/quiet-access-log.ts"],
  },
});
