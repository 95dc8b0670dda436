import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { isDynamicType } from "#infra/type-tokens.ts";
import { evaluateProgram } from "#test/infra/evaluate.ts";
import { asPulumiConfig, scaledStackValues } from "#test/infra/stack-config.ts";

/**
 * How long the Pulumi program takes to evaluate as the tenant count grows: the real program
 * (config validation, Worker bundle, every resource registration) under Pulumi's mocks, which is
 * also what the local engine and `pulumi preview` pay before any Cloudflare call. Target: at most
 * 5 s for 100 tenants × 3 channels, and linear in the number of tenants.
 */

const USAGE = "Usage: npx tsx bench/infra.ts [--tenants 10,100,300] [--channels 3]";

const { values } = parseArgs({
  options: {
    tenants: { type: "string", default: "10,100,300" },
    channels: { type: "string", default: "3" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const sizes = values.tenants.split(",").map(Number);
const channels = Number(values.channels);
if (sizes.some((n) => !Number.isInteger(n) || n < 1) || !Number.isInteger(channels) || channels < 1) {
  console.error(USAGE);
  process.exit(2);
}

// Module loading and the first bundle build are one-off costs of a process, not of a tenant count.
await evaluateProgram(asPulumiConfig(scaledStackValues(1, 1)));

console.log(`tenants  live inputs  resources  seconds  ms/tenant`);
for (const tenants of sizes) {
  const config = asPulumiConfig(scaledStackValues(tenants, channels));
  const started = performance.now();
  const run = await evaluateProgram(config);
  const ms = performance.now() - started;
  // Cloudflare objects: the bridged resources and the stack's own dynamic ones, not components.
  const resources = run.fake.registrations.filter(
    (r) => r.type.startsWith("cloudflare:") || isDynamicType(r.type),
  ).length;
  console.log(
    [
      String(tenants).padStart(7),
      String(tenants * channels).padStart(12),
      String(resources).padStart(10),
      (ms / 1000).toFixed(2).padStart(8),
      (ms / tenants).toFixed(1).padStart(10),
    ].join(" "),
  );
}
