import { type CloudflareRest, isOutcomeUnknown } from "../cloudflare-rest.ts";
import { messageOf } from "./error-message.ts";

/** Attempts in a row whose answer may be lost before giving up (each one reconciled first). */
const LOST_ANSWERS = 4;

export interface OnceSteps<T, S> {
  /** What to know before the first attempt, to tell what an attempt did from what was there. */
  before(): Promise<S>;
  attempt(): Promise<T>;
  /**
   * After an attempt whose outcome is unknown: its result, read back from the account, or undefined
   * when it did nothing (or what it did was cleared away) and another attempt is due.
   */
  reconcile(before: S): Promise<T | undefined>;
  /** What to do about what an attempt may have done, when reconciling could not tell. */
  unresolved: string;
  /** Ends the wait before another attempt, as it ends the attempts themselves. */
  signal?: AbortSignal;
}

/**
 * A call that changes something, carried out once. The REST client retries what is safe to retry;
 * a create (or a key rotation) whose answer was lost (no answer, a reset connection, a 5xx, an
 * unreadable success) may have been carried out, so it is reconciled against what the account
 * holds before it is tried again, after the client's backoff: a 5xx spell of a few seconds would
 * otherwise use up every attempt of every create in flight within a second. When reconciling
 * fails too, the error says what to look for, so that the next run does not do it a second time.
 */
export async function onlyOnce<T, S>(
  api: Pick<CloudflareRest, "backoff">,
  what: string,
  steps: OnceSteps<T, S>,
): Promise<T> {
  const before = await steps.before();
  for (let lost = 1; ; lost += 1) {
    let cause: unknown;
    try {
      return await steps.attempt();
    } catch (e) {
      if (!isOutcomeUnknown(e)) throw e;
      cause = e;
    }
    let found: T | undefined;
    try {
      found = await steps.reconcile(before);
    } catch (e) {
      throw new Error(
        `${what}: the answer was lost (${messageOf(cause)}) and looking for what the call did failed (${messageOf(e)}). ${steps.unresolved}`,
      );
    }
    if (found !== undefined) return found;
    if (lost >= LOST_ANSWERS) {
      throw new Error(
        `${what}: ${lost} attempts in a row lost their answer, none had done anything (last: ${messageOf(cause)})`,
      );
    }
    await api.backoff(lost, steps.signal);
  }
}
