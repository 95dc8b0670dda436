/**
 * One smoke check: resolves with a short description of what it saw (a CheckWarning when what it saw
 * needs attention soon), throws with why it failed.
 */
export interface SmokeCheck {
  name: string;
  run(signal: AbortSignal): Promise<string | CheckWarning>;
}

/** A warning passes: the exit code stays 0, and the report and the table show it apart. */
export type CheckStatus = "passed" | "warning" | "failed";

/** What a check saw that works today and will not for long (a token about to expire). */
export class CheckWarning {
  constructor(readonly detail: string) {}
}

export interface CheckResult {
  name: string;
  status: CheckStatus;
  attempts: number;
  durationMs: number;
  /** What the last successful attempt saw (for a warning, why it warns). */
  detail?: string;
  /** Why the last attempt failed. */
  error?: string;
  /** Why the first attempt failed, when a later one passed: a retry an operator may want to know of. */
  retriedAfter?: string;
}

/** A failed expectation: the message is what an operator reads, so it says what was expected. */
export class CheckFailed extends Error {
  override name = "CheckFailed";
}
