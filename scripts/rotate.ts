import { writeFileSync } from "node:fs";
import * as z from "zod";
import { EXIT, parseCli, runCli, UsageError } from "./lib/cli.ts";
import { openDriver, STACK_FLAGS, STACK_FLAGS_USAGE } from "./lib/open-driver.ts";
import { createProgress } from "./lib/progress.ts";
import { interruptSignal } from "./probes/interrupt.ts";
import { abandonEmergency, abandonReportFile, writeAbandonReport } from "./rotation/abandon.ts";
import { ciSecretStoreFromEnv } from "./rotation/ci-secrets.ts";
import {
  EMERGENCY_KINDS,
  type EmergencyKind,
  emergencyReportFile,
  emergencyRotation,
  unfinishedEmergency,
} from "./rotation/emergency.ts";
import { ROTATION_KINDS, type RotationKind, STREAM_KEYS, type StepContext } from "./rotation/kinds.ts";
import { isoWeek, PERIOD_PATTERN } from "./rotation/period.ts";
import { abandonSummary, emergencySummary, rotationSummary, streamKeySummary } from "./rotation/report.ts";
import { plannedKinds, rotate } from "./rotation/run.ts";
import { redactIngest, rotateStreamKeys } from "./rotation/stream-keys.ts";
import { stackVerifier } from "./rotation/verify.ts";

const USAGE = `Usage: npm run rotate -- (--stack <name> | --local) [--only ${ROTATION_KINDS.join(",")}] [--dry-run]
                         [--period <label>] [--force] [--timeout <seconds>] [--no-media-probe]
                         [--ci-secret <name> | --no-ci-secret] [--json]
       npm run rotate -- (--stack <name> | --local) --emergency [--only <kinds>] [--dry-run]
                         [--ci-secret <name> | --no-ci-secret] [--report <file>] [--timeout <seconds>] [--no-media-probe] [--json]
       npm run rotate -- (--stack <name> | --local) --abandon-emergency [--timeout <seconds>] [--no-media-probe] [--json]
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
  --ci-secret <name>   when the deploy token rolls, also write its new value to this CI secret
                       (GitHub Actions: GITHUB_REPOSITORY and CI_SECRETS_TOKEN, a token with the
                       repository's Secrets write permission). Required inside GitHub Actions.
  --no-ci-secret       roll the deploy token without writing CI's copy (you replace it by hand).
                       A run that rolls it (asked for, or an unfinished roll it resumes) needs
                       --ci-secret or --no-ci-secret, and exits 2 otherwise.
  --json               one JSON report on stdout

  --emergency          a credential leaked: rotate every credential NOW, with no grace. Each kind's
                       fallback slot is replaced too, so nothing from before works; every channel's
                       stream keys are rotated (broadcasters are dropped); the deploy token is
                       rolled last; smoke and the probes verify. --only limits it to
                       ${EMERGENCY_KINDS.join(",")}. Prints what each party must do and
                       writes a JSON report without secrets (--report <file>, default beside the
                       journals). An interrupted run is continued by running it again.

  --abandon-emergency  drop the unfinished emergency (moot, or stuck on a step that cannot succeed)
                       instead of finishing it. Applies and rolls back nothing: what was switched
                       stays, each kind's unfinished run is marked abandoned (never resumed), and
                       smoke and the probes check the stack as it is. The JSON report beside the
                       journals says what was done and what was abandoned, and which credentials
                       from before the emergency still work. Exits 2 when no emergency is unfinished.

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
    .transform((s) => (s === undefined ? undefined : s.split(",").map((k) => k.trim()))),
  period: z.string().regex(PERIOD_PATTERN, { message: "letters, digits, . _ - (at most 64)" }).optional(),
  timeout: z.coerce.number().positive().max(3600).default(60),
  channel: z
    .array(z.string().regex(/^[A-Za-z0-9_-]{1,64}\/[A-Za-z0-9_-]{1,64}$/, { message: "<tenant>/<channel>" }))
    .default([]),
  tenant: z.array(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { message: "a tenant id" })).default([]),
  "ci-secret": z
    .string()
    .regex(/^(?!GITHUB_)[A-Za-z_][A-Za-z0-9_]*$/i, { message: "a CI secret name (letters, digits, _)" })
    .optional(),
});

/** The scheduled kinds: one run, or stream keys on their own. */
const scheduledKinds = z
  .array(z.string())
  .optional()
  .transform((requested = [...ROTATION_KINDS], ctx) => {
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
  });

/** An emergency's kinds: any of them together, all by default. */
const emergencyKinds = z
  .array(z.string())
  .optional()
  .transform((requested = [...EMERGENCY_KINDS], ctx) => {
    const unknown = requested.filter((k) => !(EMERGENCY_KINDS as readonly string[]).includes(k));
    if (unknown.length > 0)
      ctx.addIssue({
        code: "custom",
        message: `unknown kind ${unknown.join(", ")} (known: ${EMERGENCY_KINDS.join(", ")})`,
      });
    return EMERGENCY_KINDS.filter((k) => requested.includes(k));
  });

/** Parses --only for the mode, with the CLI's message on a bad kind. */
function kindsOf<T extends z.ZodType>(schema: T, only: string[] | undefined): z.infer<T> {
  const parsed = schema.safeParse(only);
  if (!parsed.success)
    throw new UsageError(`--only: ${parsed.error.issues.map((i) => i.message).join("; ")}`);
  return parsed.data;
}

/** Where a rolled deploy token's new value goes besides the stack's config: checked before anything is opened. */
function stepContext(args: Args): StepContext {
  const ciSecret = args["ci-secret"];
  if (ciSecret && args["no-ci-secret"])
    throw new UsageError("--ci-secret and --no-ci-secret exclude each other");
  if (!ciSecret) return {};
  const store = ciSecretStoreFromEnv(process.env);
  if (!store)
    throw new UsageError(
      "--ci-secret needs GITHUB_REPOSITORY (owner/repo) and CI_SECRETS_TOKEN (a token with the repository's Secrets write permission)",
    );
  return { ciSecret: { store, name: ciSecret } };
}

/**
 * A run that rolls the deploy token (asked for, or an unfinished roll it resumes) leaves CI holding
 * a dead copy unless the new value goes there too, as ci-secrets.ts and docs/ci.md say: it needs
 * `--ci-secret <name>`, or `--no-ci-secret` to say that CI's copy is updated by hand. Inside GitHub
 * Actions only `--ci-secret` will do, since the next run of CI itself would fail. A dry run rolls
 * nothing and needs neither, except inside Actions, where the real run would be refused.
 */
function requireCiSecretChoice(args: Args, requested: readonly string[], planned: readonly string[]): void {
  if (args["ci-secret"] || !planned.includes("deploy-token")) return;
  const why = requested.includes("deploy-token")
    ? "(or leave deploy-token out with --only)"
    : "(an earlier run left the deploy token's roll unfinished, and this run finishes it first)";
  if (process.env.GITHUB_ACTIONS === "true")
    throw new UsageError(
      `rolling the deploy token inside GitHub Actions needs --ci-secret <name>: CI's copy would be dead otherwise ${why}`,
    );
  if (args["dry-run"] || args["no-ci-secret"]) return;
  throw new UsageError(
    `this run rolls the deploy token, which leaves CI's copy dead: give --ci-secret <name> to write the new value to CI too, or --no-ci-secret to replace CI's copy by hand ${why}`,
  );
}

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
      emergency: { type: "boolean", default: false },
      "abandon-emergency": { type: "boolean", default: false },
      "ci-secret": { type: "string" },
      "no-ci-secret": { type: "boolean", default: false },
      report: { type: "string" },
    },
    options,
  );
}

type Args = ReturnType<typeof parse>;

/**
 * The stack an emergency or its abandon runs on, with the TURN server and media plane its final
 * smoke and probes need (unless --no-media-probe), and Ctrl-C as a signal the run stops at.
 */
async function openForEmergency(args: Args) {
  const progress = createProgress({ json: args.json });
  const mediaProbes = !args["no-media-probe"];
  const driver = await openDriver(args, {
    turn: mediaProbes,
    media: mediaProbes,
    onLocalStart: () => progress.note("No local stack running: starting one for this run…"),
  });
  return { progress, mediaProbes, driver, interrupt: interruptSignal() };
}

/** `--emergency`: every selected credential now, no grace; the report is written whatever the outcome. */
async function emergency(args: Args) {
  if (args.period || args.force || args.restart || args.all || args.channel.length || args.tenant.length)
    throw new UsageError(
      "--emergency rotates every channel's keys in its own period: --period, --force, --channel, --tenant, --all and --restart do not go with it",
    );
  const only = kindsOf(emergencyKinds, args.only) as EmergencyKind[];
  const context = stepContext(args);
  const { progress, mediaProbes, driver, interrupt } = await openForEmergency(args);
  try {
    const unfinished = unfinishedEmergency(driver, only);
    const rotated = only.filter((k): k is RotationKind => k !== STREAM_KEYS);
    requireCiSecretChoice(
      args,
      only,
      plannedKinds(driver, {
        kinds: rotated,
        ...(unfinished ? { period: unfinished.id } : {}),
        force: false,
      }),
    );
    progress.note(
      `EMERGENCY rotation on ${driver.description}${args["dry-run"] ? " (dry run: nothing changes)" : ""}: ${only.join(", ")}`,
    );
    const report = await emergencyRotation(driver, {
      only,
      dryRun: args["dry-run"],
      verify: stackVerifier({ timeoutMs: args.timeout * 1000, mediaProbes }),
      timeoutMs: args.timeout * 1000,
      probes: { ingest: mediaProbes, media: mediaProbes, turn: mediaProbes },
      progress,
      context,
      signal: interrupt.signal,
    });
    progress.close();
    const file = args.report ?? emergencyReportFile(driver.stateDir, driver.stack, report.id);
    if (!report.dryRun) writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`, { mode: 0o600 });
    console.log(
      args.json
        ? JSON.stringify(report, null, 2)
        : emergencySummary(report, report.dryRun ? undefined : file),
    );
    if (report.refused || interrupt.signal.aborted) return EXIT.couldNotRun;
    return report.ok ? EXIT.ok : EXIT.failed;
  } finally {
    progress.close();
    interrupt.dispose();
    await driver.close();
  }
}

/** `--abandon-emergency`: the unfinished emergency dropped, the stack checked as it is, the report written. */
async function abandon(args: Args) {
  const others = [
    "emergency",
    "dry-run",
    "force",
    "restart",
    "all",
    "ci-secret",
    "no-ci-secret",
    "report",
  ] as const;
  if (args.only || args.period || args.channel.length || args.tenant.length || others.some((o) => args[o]))
    throw new UsageError(
      "--abandon-emergency takes only the stack flags, --timeout, --no-media-probe and --json",
    );
  const { progress, mediaProbes, driver, interrupt } = await openForEmergency(args);
  try {
    const report = await abandonEmergency(driver, {
      timeoutMs: args.timeout * 1000,
      probes: { ingest: mediaProbes, media: mediaProbes, turn: mediaProbes },
      progress,
      signal: interrupt.signal,
    });
    progress.close();
    const file = abandonReportFile(driver.stateDir, driver.stack, report.id);
    writeAbandonReport(file, report);
    console.log(args.json ? JSON.stringify(report, null, 2) : abandonSummary(report, file));
    return report.ok ? EXIT.ok : EXIT.failed;
  } finally {
    progress.close();
    interrupt.dispose();
    await driver.close();
  }
}

await runCli(USAGE, async () => {
  const args = parse(process.argv.slice(2));
  if (args.help) {
    console.log(USAGE);
    return EXIT.ok;
  }
  if (args["abandon-emergency"]) return abandon(args);
  if (args.emergency) return emergency(args);
  if (args.report) throw new UsageError("--report goes with --emergency");
  const only = kindsOf(scheduledKinds, args.only);
  const streamKeys = only.includes(STREAM_KEYS);
  const selection = { channels: args.channel, tenants: args.tenant, all: args.all };
  const selects = selection.channels.length > 0 || selection.tenants.length > 0 || selection.all;
  if (streamKeys && !selects) {
    throw new UsageError(
      `--only ${STREAM_KEYS} needs the channels to rotate: --channel <tenant>/<channel>, --tenant <id> or --all`,
    );
  }
  if (!streamKeys && (selects || args.restart))
    throw new UsageError(`--channel, --tenant, --all and --restart only go with --only ${STREAM_KEYS}`);
  const context = stepContext(args);
  const progress = createProgress({ json: args.json });
  const mediaProbes = !args["no-media-probe"];
  const driver = await openDriver(args, {
    turn: mediaProbes && only.includes("turn"),
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
    const kinds = only as RotationKind[];
    const period = args.period ?? isoWeek(new Date());
    requireCiSecretChoice(args, kinds, plannedKinds(driver, { kinds, period, force: args.force }));
    progress.note(`Rotating on ${driver.description}${args["dry-run"] ? " (dry run)" : ""}`);
    const report = await rotate(driver, {
      kinds,
      context,
      period,
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
