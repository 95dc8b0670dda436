import * as z from "zod";
import { rollbackHint } from "./deploy/rollback-hint.ts";
import { deploy, deploySummary } from "./deploy/run.ts";
import { CouldNotRun, EXIT, parseCli, runCli } from "./lib/cli.ts";
import { openDriver, STACK_FLAGS, STACK_FLAGS_USAGE } from "./lib/open-driver.ts";
import { createProgress } from "./lib/progress.ts";
import { PROBE_FLAGS, PROBE_FLAGS_USAGE, probeOptions, probeSelection } from "./probes/cli-flags.ts";
import { interruptSignal } from "./probes/interrupt.ts";
import { describeChange } from "./rotation/preview-check.ts";
import { CHANNELS_FLAG_USAGE, channelsOption } from "./smoke/channel-sample.ts";

const USAGE = `Usage: npm run deploy -- (--stack <name> | --local) [--preview] [--timeout <seconds>] [--json]
                         [--channels all|sample:<n>] [--probe-ingest] [--probe-media] [--probe-turn] [--probe-timeout <seconds>]

\`pulumi up\` for the stack, then smoke against it (the Worker must report the version just built).
A failed up or a failed smoke exits non-zero and prints the command that rolls back.

${STACK_FLAGS_USAGE}
  --preview            only show what up would change (for pull requests); deploy nothing
  --timeout <seconds>  smoke deadline (default 60)
${CHANNELS_FLAG_USAGE}
${PROBE_FLAGS_USAGE}
  --json               one JSON report on stdout

Exit codes: 0 deployed and smoke passed (or preview done), 1 up or smoke failed, 2 could not run.`;

const options = z.object({
  timeout: z.coerce.number().positive().max(3600).default(60),
  channels: channelsOption,
  ...probeOptions,
});

function parse(argv: string[]) {
  return parseCli(
    argv,
    {
      ...STACK_FLAGS,
      preview: { type: "boolean", default: false },
      timeout: { type: "string" },
      channels: { type: "string" },
      ...PROBE_FLAGS,
    },
    options,
  );
}

await runCli(USAGE, async () => {
  const args = parse(process.argv.slice(2));
  if (args.help) {
    console.log(USAGE);
    return EXIT.ok;
  }
  const probes = probeSelection(args);
  const progress = createProgress({ json: args.json });
  const interrupt = interruptSignal();
  const driver = await openDriver(args, {
    turn: probes.turn,
    media: probes.ingest,
    onLocalStart: () => progress.note("No local stack running: starting one for this run…"),
  });
  try {
    if (args.preview) {
      const changes = (await driver.preview()).map(describeChange);
      if (args.json) console.log(JSON.stringify({ stack: driver.stack, changes }, null, 2));
      else
        console.log(
          [
            `Preview of ${driver.description}: ${changes.length} change(s)`,
            ...changes.map((c) => `  ${c}`),
          ].join("\n"),
        );
      return EXIT.ok;
    }
    const report = await deploy(driver, {
      timeoutMs: args.timeout * 1000,
      channels: args.channels,
      probes,
      probeTimeoutMs: args["probe-timeout"] * 1000,
      signal: interrupt.signal,
      progress,
    });
    progress.close();
    const command = args.local
      ? `npm run deploy -- --local${args.stack ? ` --stack ${args.stack}` : ""}`
      : `npm run deploy -- --stack ${driver.stack}`;
    const rollback = report.ok ? undefined : await rollbackHint(command);
    if (args.json) console.log(JSON.stringify({ ...report, ...(rollback ? { rollback } : {}) }, null, 2));
    else console.log([deploySummary(report), ...(rollback ? [rollback] : [])].join("\n"));
    if (interrupt.signal.aborted)
      throw new CouldNotRun(`${(interrupt.signal.reason as Error).message}; the probes cleaned up`);
    return report.ok ? EXIT.ok : EXIT.failed;
  } finally {
    progress.close();
    await driver.close();
    interrupt.dispose();
  }
});
