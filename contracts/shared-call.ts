/**
 * One call in flight at a time: whoever asks while it runs shares its outcome, and the next ask
 * after it settles starts a new one. How a channel status object coalesces concurrent reads, how
 * the meter keeps one call to the ledger per tenant, and how a client asks once for what several
 * callers want at the same moment (a poll of every channel, a playback token).
 */
export class SharedCall<T> {
  private inFlight: Promise<T> | undefined;

  run(start: () => Promise<T>): Promise<T> {
    this.inFlight ??= start().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }
}
