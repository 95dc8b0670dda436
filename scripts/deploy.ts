import * as z from "zod";
import { deploy, deploySummary } from "./deploy/deploy.ts";
import { rollbackHint } from "./deploy/rollback-hint.ts";
import { CouldNotRun, EXIT, parseCli, runCli } from "./lib/cli.ts";
import { openDriver, STACK_FLAGS, STACK_FLAGS_USAGE } from "./lib/open-driver.ts";
import { createProgress } from "./lib/progress.ts";
import { interruptSignal } from "./probes/interrupt.ts";
import { PROBE_TIMEOUT_MS, type ProbeSelection } from "./probes/plan.ts";
import { describeChange } from "./rotation/preview-check.ts";

const USAGE = `Usage: npm run deploy -- (--stack <name> | --local) [--preview] [--timeout <seconds>] [--probe-turn] [--json]

\`pulumi up\` for the stack, then smoke against it (the Worker must report the version just built).
A failed up or a failed smoke exits non-zero and prints the command that rolls back.

${STACK_FLAGS_USAGE}
  --preview            only show what up would change (for pull requests); deploy nothing
  --timeout <seconds>  smoke deadline (default 60)
  --probe-ingest       a broadcast to the stack's probe input (RTMPS, and SRT where ffmpeg has libsrt)
  --probe-media        a call through the Worker's SFU proxy: RTP and a DataChannel message
  --probe-turn         the same call relayed by TURN only
  --probe-timeout <s>  each probe's bound (default 45)
  --json               one JSON report on stdout

Exit codes: 0 deployed and smoke passed (or preview done), 1 up or smoke failed, 2 could not run.`;

const options = z.object({
  timeout: z.coerce.number().positive().max(3600).default(60),
  "probe-timeout": z.coerce
    .number()
    .positive()
    .max(600)
    .default(PROBE_TIMEOUT_MS / 1000),
});

function parse(argv: string[]) {
  return parseCli(
    argv,
    {
      ...STACK_FLAGS,
      preview: { type: "boolean", default: false },
      timeout: { type: "string" },
      "probe-ingest": { type: "boolean", default: false },
      "probe-media": { type: "boolean", default: false },
      "probe-turn": { type: "boolean", default: false },
      "probe-timeout": { type: "string" },
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
  const probes: ProbeSelection = {
    ingest: args["probe-ingest"],
    media: args["probe-media"],
    turn: args["probe-turn"],
  };
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
