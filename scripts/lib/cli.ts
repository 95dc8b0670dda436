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
    const message = e instanceof Error ? e.message : String(e);
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
