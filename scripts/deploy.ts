import * as z from "zod";
import { deploy, deploySummary } from "./deploy/deploy.ts";
import { rollbackHint } from "./deploy/rollback-hint.ts";
import { EXIT, parseCli, runCli } from "./lib/cli.ts";
import { openDriver, STACK_FLAGS, STACK_FLAGS_USAGE } from "./lib/open-driver.ts";
import { createProgress } from "./lib/progress.ts";
import { describeChange } from "./rotation/preview-check.ts";

const USAGE = `Usage: npm run deploy -- (--stack <name> | --local) [--preview] [--timeout <seconds>] [--probe-turn] [--json]

\`pulumi up\` for the stack, then smoke against it (the Worker must report the version just built).
A failed up or a failed smoke exits non-zero and prints the command that rolls back.

${STACK_FLAGS_USAGE}
  --preview            only show what up would change (for pull requests); deploy nothing
  --timeout <seconds>  smoke deadline (default 60)
  --probe-turn         smoke allocates a real TURN relay
  --json               one JSON report on stdout

Exit codes: 0 deployed and smoke passed (or preview done), 1 up or smoke failed, 2 could not run.`;

const options = z.object({ timeout: z.coerce.number().positive().max(3600).default(60) });

function parse(argv: string[]) {
  return parseCli(
    argv,
    {
      ...STACK_FLAGS,
      preview: { type: "boolean", default: false },
      timeout: { type: "string" },
      "probe-turn": { type: "boolean", default: false },
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
  const progress = createProgress({ json: args.json });
  const driver = await openDriver(args, {
    turn: args["probe-turn"],
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
      probeTurn: args["probe-turn"],
      progress,
    });
    progress.close();
    const command = args.local
      ? `npm run deploy -- --local${args.stack ? ` --stack ${args.stack}` : ""}`
      : `npm run deploy -- --stack ${driver.stack}`;
    const rollback = report.ok ? undefined : await rollbackHint(command);
    if (args.json) console.log(JSON.stringify({ ...report, ...(rollback ? { rollback } : {}) }, null, 2));
    else console.log([deploySummary(report), ...(rollback ? [rollback] : [])].join("\n"));
    return report.ok ? EXIT.ok : EXIT.failed;
  } finally {
    progress.close();
    await driver.close();
  }
});
