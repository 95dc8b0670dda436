import { describe, expect, it } from "vitest";
import { ProbeFailed, waitFor } from "./probe.ts";

describe("waitFor", () => {
  it("names the last answer seen when the deadline cuts a check short, not the abort", async () => {
    const deadline = new AbortController();
    let calls = 0;
    const waiting = waitFor(
      { signal: deadline.signal },
      "the manifest",
      async (signal) => {
        calls += 1;
        if (calls === 1) throw new Error("the manifest answers 500");
        // The second check is still waiting on its answer when the deadline passes.
        deadline.abort();
        signal.throwIfAborted();
        return undefined;
      },
      1,
    );

    const failure = await waiting.catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ProbeFailed);
    expect((failure as Error).message).toBe(
      "the manifest: the probe's deadline passed (last: the manifest answers 500)",
    );
  });

  it("returns the first value a check finds", async () => {
    let calls = 0;
    const found = await waitFor(
      { signal: new AbortController().signal },
      "a value",
      async () => {
        calls += 1;
        return calls === 3 ? "ready" : undefined;
      },
      1,
    );
    expect(found).toBe("ready");
    expect(calls).toBe(3);
  });
});
