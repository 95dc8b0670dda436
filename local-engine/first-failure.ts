/**
 * Like `pulumi up`, the first failed step ends the run: nothing further is created or changed.
 * `failed` rejects with that first failure, which `happened` then reports. The Pulumi runtime
 * rethrows a failed registration on promises nobody awaits, so while this watches, unhandled
 * rejections count as that failure too rather than ending the process.
 */
export class FirstFailure {
  readonly failed: Promise<never>;
  private first: { error: unknown } | undefined;
  private reject: (error: unknown) => void = () => {};
  private readonly onUnhandled = (reason: unknown) => this.fail(reason);

  constructor() {
    this.failed = new Promise<never>((_, reject) => {
      this.reject = reject;
    });
    this.failed.catch(() => {});
    process.on("unhandledRejection", this.onUnhandled);
  }

  get happened(): boolean {
    return this.first !== undefined;
  }

  fail(error: unknown): void {
    this.first ??= { error };
    this.reject(this.first.error);
  }

  /** Stops counting unhandled rejections as this run's failure. */
  dispose(): void {
    process.off("unhandledRejection", this.onUnhandled);
  }
}
