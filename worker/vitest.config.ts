import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import type { Plugin } from "vite";
import { defineProject } from "vitest/config";
import type { TestProject } from "vitest/node";
import { workerModulePath } from "#contracts/worker/placeholder.ts";
import { embedTenantMap, TENANT_MAP_MODULE } from "#contracts/worker/tenant-map.ts";
import "./test/support/fixture.ts";

/**
 * Compiles the global setup's tenant map into the Worker as the Pulumi program does, with the very
 * same function, so that the tests run the map the way a deployed Worker does. The global setup
 * seeds the live inputs (and so makes the map) before any test file imports the Worker, which is
 * when its modules are transformed.
 */
function tenantMapOfFixture(): Plugin {
  let project: TestProject | undefined;
  return {
    name: "realtime-stack:tenant-map",
    configureVitest(context) {
      project = context.project;
    },
    transform(code, id) {
      if (!workerModulePath(TENANT_MAP_MODULE).test(id.split("?")[0]!)) return undefined;
      const tenants = project?.getProvidedContext().fixture?.tenants;
      if (!tenants) throw new Error("the tenant map is not ready: the global setup provides it");
      return { code: embedTenantMap(code, tenants), map: null };
    },
  };
}

export default defineProject({
  plugins: [
    // The bindings come from the global setup, which seeds the emulator before any Worker starts.
    cloudflareTest(async ({ inject }) => ({
      wrangler: { configPath: "./wrangler.jsonc" },
      miniflare: { bindings: inject("fixture").bindings },
    })),
    tenantMapOfFixture(),
  ],
  test: {
    name: "workers",
    include: ["test/**/*.test.ts", "src/**/*.test.ts"],
    globalSetup: ["./test/global-setup.ts"],
    testTimeout: 20_000,
    setupFiles: ["./test/support/quiet-access-log.ts"],
  },
});
