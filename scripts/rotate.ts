import * as z from "zod";
import { EXIT, parseCli, runCli, UsageError } from "./lib/cli.ts";
import { openDriver, STACK_FLAGS, STACK_FLAGS_USAGE } from "./lib/open-driver.ts";
import { createProgress } from "./lib/progress.ts";
import { interruptSignal } from "./probes/interrupt.ts";
import { ROTATION_KINDS, type RotationKind, STREAM_KEYS } from "./rotation/kinds.ts";
import { isoWeek, PERIOD_PATTERN } from "./rotation/period.ts";
import { rotationSummary, streamKeySummary } from "./rotation/report.ts";
import { rotate } from "./rotation/rotate.ts";
import { redactIngest, rotateStreamKeys } from "./rotation/stream-keys.ts";
import { stackVerifier } from "./rotation/verify.ts";

const USAGE = `Usage: npm run rotate -- (--stack <name> | --local) [--only ${ROTATION_KINDS.join(",")}] [--dry-run]
                         [--period <label>] [--force] [--timeout <seconds>] [--no-media-probe] [--json]
       npm run rotate -- (--stack <name> | --local) --only ${STREAM_KEYS} (--channel <tenant>/<channel>... | --tenant <id>... | --all)
                         [--restart] [--show-secrets] [--json]

Two-slot rotation, one credential kind at a time: a new credential in the inactive slot, the Worker
switched to it, verified (a TURN rotation by media relayed with the new key's credentials, an SFU
rotation by media through the new app: the media probes of smoke); the previous slot stays valid as the fallback until the next rotation, and
a failed verification switches back. Refuses to run while the stack has other changes pending.
Interrupted runs are finished by the next run; a kind rotated in this period is not rotated again.

${STACK_FLAGS_USAGE}
  --only <kinds>       comma-separated, default all of ${ROTATION_KINDS.join(",")}
  --dry-run            print the plan (after the preview check); change nothing
  --period <label>     the rotation period (default: this ISO week, e.g. ${isoWeek(new Date())})
  --force              rotate again what was already rotated in this period
  --timeout <seconds>  deadline of each verification (default 60)
  --no-media-probe     verify TURN and SFU rotations without media (calls and checks only)
  --json               one JSON report on stdout

  --only ${STREAM_KEYS}   new ingest keys through Cloudflare's rotate_keys: drops connected
                       broadcasters, never scheduled. Channels by --channel <tenant>/<channel>,
                       --tenant <id> (each of its channels) or --all, each repeatable, together a
                       union. One channel after another, paced within the scripts' share of the deploy
                       token's budget (realtime-stack:deployApi), each step in a journal: an interrupted
                       run (Ctrl-C) is continued by running the same command again, no key rotated
                       twice; --restart drops an unfinished run instead. Prints the new ingest
                       details, their secrets only with --show-secrets.

Exit codes: 0 done (or nothing to do), 1 a rotation failed or was rolled back,
2 could not run (arguments, unreachable stack, other changes pending) or a stream-key run was
interrupted (the same command continues it).`;

const options = z.object({
  only: z
    .string()
    .optional()
    .transform((s, ctx) => {
      const requested = s === undefined ? [...ROTATION_KINDS] : s.split(",").map((k) => k.trim());
      const known = [...ROTATION_KINDS, STREAM_KEYS] as string[];
      const unknown = requested.filter((k) => !known.includes(k));
      if (unknown.length > 0) {
        ctx.addIssue({
          code: "custom",
          message: `unknown kind ${unknown.join(", ")} (known: ${known.join(", ")})`,
        });
      }
      if (requested.includes(STREAM_KEYS) && requested.length > 1) {
        ctx.addIssue({
          code: "custom",
          message: `${STREAM_KEYS} is rotated on its own, never with other kinds`,
        });
      }
      return requested;
    }),
  period: z.string().regex(PERIOD_PATTERN, { message: "letters, digits, . _ - (at most 64)" }).optional(),
  timeout: z.coerce.number().positive().max(3600).default(60),
  channel: z
    .array(z.string().regex(/^[A-Za-z0-9_-]{1,64}\/[A-Za-z0-9_-]{1,64}$/, { message: "<tenant>/<channel>" }))
    .default([]),
  tenant: z.array(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { message: "a tenant id" })).default([]),
});

function parse(argv: string[]) {
  return parseCli(
    argv,
    {
      ...STACK_FLAGS,
      only: { type: "string" },
      "dry-run": { type: "boolean", default: false },
      period: { type: "string" },
      force: { type: "boolean", default: false },
      timeout: { type: "string" },
      "no-media-probe": { type: "boolean", default: false },
      channel: { type: "string", multiple: true },
      tenant: { type: "string", multiple: true },
      all: { type: "boolean", default: false },
      restart: { type: "boolean", default: false },
      "show-secrets": { type: "boolean", default: false },
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
  const streamKeys = args.only.includes(STREAM_KEYS);
  const selection = { channels: args.channel, tenants: args.tenant, all: args.all };
  const selects = selection.channels.length > 0 || selection.tenants.length > 0 || selection.all;
  if (streamKeys && !selects) {
    throw new UsageError(
      `--only ${STREAM_KEYS} needs the channels to rotate: --channel <tenant>/<channel>, --tenant <id> or --all`,
    );
  }
  if (!streamKeys && (selects || args.restart))
    throw new UsageError(`--channel, --tenant, --all and --restart only go with --only ${STREAM_KEYS}`);
  const progress = createProgress({ json: args.json });
  const mediaProbes = !args["no-media-probe"];
  const driver = await openDriver(args, {
    turn: mediaProbes && args.only.includes("turn"),
    onLocalStart: () => progress.note("No local stack running: starting one for this run…"),
  });
  try {
    if (streamKeys) {
      progress.note(`Rotating ingest keys on ${driver.description}`);
      const interrupt = interruptSignal();
      try {
        const report = await rotateStreamKeys(driver, {
          selection,
          restart: args.restart,
          progress,
          signal: interrupt.signal,
        });
        progress.close();
        const shown = {
          ...report,
          rotated: report.rotated.map((r) => redactIngest(r, args["show-secrets"])),
        };
        console.log(
          args.json ? JSON.stringify(shown, null, 2) : streamKeySummary(report, args["show-secrets"]),
        );
        if (interrupt.signal.aborted) return EXIT.couldNotRun;
        return report.stopped || report.failed.length > 0 ? EXIT.failed : EXIT.ok;
      } finally {
        interrupt.dispose();
      }
    }
    progress.note(`Rotating on ${driver.description}${args["dry-run"] ? " (dry run)" : ""}`);
    const report = await rotate(driver, {
      kinds: args.only as RotationKind[],
      period: args.period ?? isoWeek(new Date()),
      dryRun: args["dry-run"],
      force: args.force,
      verify: stackVerifier({ timeoutMs: args.timeout * 1000, mediaProbes }),
      progress,
    });
    progress.close();
    console.log(args.json ? JSON.stringify(report, null, 2) : rotationSummary(report));
    if (report.refused) return EXIT.couldNotRun;
    return report.ok ? EXIT.ok : EXIT.failed;
  } finally {
    progress.close();
    await driver.close();
  }
});
