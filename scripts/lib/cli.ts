import { type ParseArgsConfig, parseArgs } from "node:util";
import * as z from "zod";
import { messageOf } from "#infra/api/error-message.ts";

/**
 * Exit codes shared by smoke, rotate and deploy, so that CI can tell "the stack is bad" from
 * "the script could not do its job" (bad arguments, unreachable target, refused to run).
 */
export const EXIT = { ok: 0, failed: 1, couldNotRun: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The script could not do what it was asked: nothing about the stack's health is known. */
export class CouldNotRun extends Error {
  override name = "CouldNotRun";
}

/** Bad command-line arguments: reported with the usage text. */
export class UsageError extends CouldNotRun {
  override name = "UsageError";
}

/**
 * Runs a script's main and exits with its code. Errors it did not classify are reported without a
 * stack trace (they may come from a provider and are meant for an operator) and count as failures.
 */
export async function runCli(usage: string, main: () => Promise<ExitCode>): Promise<never> {
  let code: ExitCode;
  try {
    code = await main();
  } catch (e) {
    const message = messageOf(e);
    if (e instanceof UsageError) {
      console.error(`${message}\n\n${usage}`);
      code = EXIT.couldNotRun;
    } else if (e instanceof CouldNotRun) {
      console.error(`Could not run: ${message}`);
      code = EXIT.couldNotRun;
    } else {
      console.error(`Failed: ${message}`);
      code = EXIT.failed;
    }
  }
  // Let stdout drain (a large --json document) before leaving.
  await new Promise<void>((resolve) => process.stdout.write("", () => resolve()));
  process.exit(code);
}

type Flags = NonNullable<ParseArgsConfig["options"]>;
const HELP_AND_JSON = {
  json: { type: "boolean", default: false },
  help: { type: "boolean", default: false },
} as const;

/**
 * A script's command line: node's strict flag parsing, then the script's zod schema over the raw
 * values; either failing is a UsageError, printed with the usage text. `--json` and `--help` are
 * every script's.
 */
export function parseCli<const F extends Flags, S extends z.ZodType>(argv: string[], flags: F, schema: S) {
  try {
    const { values } = parseArgs({ args: argv, options: { ...flags, ...HELP_AND_JSON }, strict: true });
    const parsed = schema.safeParse(values);
    if (!parsed.success) throw new UsageError(z.prettifyError(parsed.error));
    return Object.assign({}, values, parsed.data) as typeof values & z.output<S>;
  } catch (e) {
    throw e instanceof UsageError ? e : new UsageError((e as Error).message);
  }
}
