/** One smoke check: resolves with a short description of what it saw, throws with why it failed. */
export interface SmokeCheck {
  name: string;
  run(signal: AbortSignal): Promise<string>;
}

export type CheckStatus = "passed" | "failed";

export interface CheckResult {
  name: string;
  status: CheckStatus;
  attempts: number;
  durationMs: number;
  /** What the last successful attempt saw. */
  detail?: string;
  /** Why the last attempt failed. */
  error?: string;
}

/** A failed expectation: the message is what an operator reads, so it says what was expected. */
export class CheckFailed extends Error {
  override name = "CheckFailed";
}
