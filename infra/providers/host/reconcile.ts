import { isOutcomeUnknown } from "../../cloudflare-rest.ts";

/** Creates in a row whose answer may be lost before the provider stops (each one reconciled first). */
const LOST_ANSWERS = 4;

export interface CreateSteps<T, S> {
  /** What to know before the first attempt, to tell what an attempt made from what was there. */
  before(): Promise<S>;
  create(): Promise<T>;
  /**
   * After an attempt whose outcome is unknown: the object it made, taken over (or cleared away,
   * answering undefined), or undefined when it made none. Either way, nothing is created twice.
   */
  reconcile(before: S): Promise<T | undefined>;
  /** What to do about an object an attempt may have made, when reconciling could not tell. */
  orphanHint: string;
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * A create that never leaves a duplicate behind. The REST client retries what is safe to retry; a
 * create whose answer was lost (no answer, a reset connection, a 5xx, an unreadable success) may
 * have been carried out, so it is reconciled against what the account holds before it is tried
 * again. When reconciling fails too, the error says what to look for, so that the next `up` does not
 * create a second one beside it.
 */
export async function createOnce<T, S>(what: string, steps: CreateSteps<T, S>): Promise<T> {
  const before = await steps.before();
  for (let lost = 1; ; lost += 1) {
    let cause: unknown;
    try {
      return await steps.create();
    } catch (e) {
      if (!isOutcomeUnknown(e)) throw e;
      cause = e;
    }
    let found: T | undefined;
    try {
      found = await steps.reconcile(before);
    } catch (e) {
      throw new Error(
        `${what}: the create's answer was lost (${messageOf(cause)}) and looking for what it made failed (${messageOf(e)}). Cloudflare may hold one the state does not know: ${steps.orphanHint}`,
      );
    }
    if (found !== undefined) return found;
    if (lost >= LOST_ANSWERS) {
      throw new Error(
        `${what}: ${lost} creates in a row lost their answer, none made one (last: ${messageOf(cause)})`,
      );
    }
  }
}
