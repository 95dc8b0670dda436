import * as z from "zod";
import { CouldNotRun, EXIT, parseCli, runCli, UsageError } from "./lib/cli.ts";
import { openDriver, STACK_FLAGS, STACK_FLAGS_USAGE } from "./lib/open-driver.ts";
import { createProgress } from "./lib/progress.ts";
import { PROBE_FLAGS, PROBE_FLAGS_USAGE, probeOptions, probeSelection } from "./probes/cli-flags.ts";
import { interruptSignal } from "./probes/interrupt.ts";
import { CHANNELS_FLAG_USAGE, channelsOption } from "./smoke/channel-sample.ts";
import { smokeSummary } from "./smoke/report.ts";
import { runSmoke } from "./smoke/run.ts";
import { type SmokeTarget, targetOfStack } from "./smoke/target.ts";
import { DEFAULT_EXPIRY_WARNING_MS, parseExpiryWindow } from "./smoke/token-expiry.ts";

const USAGE = `Usage: npm run smoke -- (--stack <name> | --local | --url <url> --tenant <id> --key <key> --channel <name>...)
                        [--channels all|sample:<n>] [--timeout <seconds>] [--require-live]
                        [--expect-version <v>] [--expiry-warning <n>d|h|m] [--json]
                        [--probe-ingest] [--probe-media] [--probe-turn] [--probe-timeout <seconds>]

Post-deploy checks, in parallel, each retried with backoff until the deadline: health and version,
channels' live inputs (a sample by default, or all), TURN credentials, an SFU session, auth
refusals, the webhook's refusal, and when each Cloudflare token the stack runs on expires (the deploy
token, the Worker's API token in each slot; with the deploy token at hand: --stack, --local).
Probes, beside them, use the stack for real, each once within its own bound, and clean up after
themselves (also on Ctrl-C): a broadcast to the stack's probe input, a call through the Worker.

${STACK_FLAGS_USAGE}
  --url <url>          a Worker by URL, with --tenant, --key (or REALTIME_STACK_TENANT_KEY) and one
                       --channel per channel to check
  --tenant <id>        the tenant that mints credentials (default: the stack's first)
${CHANNELS_FLAG_USAGE}
  --timeout <seconds>  overall deadline (default 60)
  --require-live       every channel must have a broadcaster connected
${PROBE_FLAGS_USAGE}
  --expect-version <v> /healthz must report this version
  --expiry-warning <w> warn when a Cloudflare token expires within <w>: 14d (default), 36h, 90m;
                       a warning keeps exit code 0, an expired or disabled token fails
  --json               one JSON report on stdout instead of the table

Exit codes: 0 every check passed, 1 a check failed, 2 could not run (arguments, unreachable target).`;

const options = z.object({
  timeout: z.coerce.number().positive().max(3600).default(60),
  "expect-version": z.string().min(1).optional(),
  "expiry-warning": z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined) return DEFAULT_EXPIRY_WARNING_MS;
      const ms = parseExpiryWindow(text);
      if (ms === undefined) ctx.addIssue({ code: "custom", message: "a number and a unit: 14d, 36h or 90m" });
      return ms ?? DEFAULT_EXPIRY_WARNING_MS;
    }),
  url: z.url({ protocol: /^https?$/ }).optional(),
  tenant: z.string().min(1).optional(),
  key: z.string().min(1).optional(),
  channel: z.array(z.string().min(1)).default([]),
  channels: channelsOption,
  ...probeOptions,
});

function parse(argv: string[]) {
  return parseCli(
    argv,
    {
      ...STACK_FLAGS,
      url: { type: "string" },
      tenant: { type: "string" },
      key: { type: "string" },
      channel: { type: "string", multiple: true },
      channels: { type: "string" },
      timeout: { type: "string" },
      "require-live": { type: "boolean", default: false },
      ...PROBE_FLAGS,
      "expect-version": { type: "string" },
      "expiry-warning": { type: "string" },
    },
    options,
  );
}

type Args = ReturnType<typeof parse>;

function explicitTarget(args: Args): SmokeTarget {
  const key = args.key ?? process.env.REALTIME_STACK_TENANT_KEY;
  if (!args.tenant || !key || args.channel.length === 0) {
    throw new UsageError(
      "--url needs --tenant, --key (or REALTIME_STACK_TENANT_KEY) and at least one --channel",
    );
  }
  return {
    workerUrl: args.url!.replace(/\/+$/, ""),
    tenants: [{ id: args.tenant, key, channels: args.channel.map((name) => ({ name })) }],
    ...(args["expect-version"] ? { expectVersion: args["expect-version"] } : {}),
  };
}

await runCli(USAGE, async () => {
  const args = parse(process.argv.slice(2));
  if (args.help) {
    console.log(USAGE);
    return EXIT.ok;
  }
  const modes = [args.url !== undefined, args.local, args.stack !== undefined && !args.local].filter(Boolean);
  if (modes.length !== 1) throw new UsageError("choose one target: --stack <name>, --local, or --url");
  const probes = probeSelection(args);
  const progress = createProgress({ json: args.json });
  const interrupt = interruptSignal();
  const driver = args.url
    ? undefined
    : await openDriver(args, {
        turn: probes.turn,
        media: probes.ingest,
        onLocalStart: () => progress.note("No local stack running: starting one for this run…"),
      });
  try {
    const target = driver
      ? await targetOfStack(driver, {
          ...(args.tenant ? { tenant: args.tenant } : {}),
          ...(args["expect-version"] ? { expectVersion: args["expect-version"] } : {}),
        }).catch((e: Error) => {
          throw new CouldNotRun(e.message);
        })
      : explicitTarget(args);
    progress.note(`Smoke checks against ${driver?.description ?? target.workerUrl} (${target.workerUrl})`);
    const report = await runSmoke(
      target,
      {
        timeoutMs: args.timeout * 1000,
        requireLive: args["require-live"],
        channels: args.channels,
        probes,
        probeTimeoutMs: args["probe-timeout"] * 1000,
        expiryWarningMs: args["expiry-warning"],
        signal: interrupt.signal,
      },
      progress,
    );
    progress.close();
    if (args.json) console.log(JSON.stringify(report, null, 2));
    else console.log(smokeSummary(report));
    if (interrupt.signal.aborted)
      throw new CouldNotRun(`${(interrupt.signal.reason as Error).message}; the probes cleaned up`);
    return report.passed ? EXIT.ok : EXIT.failed;
  } finally {
    progress.close();
    await driver?.close();
    interrupt.dispose();
  }
});
