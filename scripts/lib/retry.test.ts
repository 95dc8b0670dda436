import { describe, expect, it } from "vitest";
import { RetriesExhausted, retryUntil } from "./retry.ts";

describe("retryUntil", () => {
  it("retries until an attempt succeeds, reporting each retry", async () => {
    const retries: number[] = [];
    let calls = 0;
    const result = await retryUntil(
      async () => {
        calls += 1;
        if (calls < 3) throw new Error(`fail ${calls}`);
        return "ok";
      },
      { deadline: Date.now() + 5_000, baseMs: 1, maxMs: 2, onRetry: (n) => retries.push(n) },
    );
    expect(result).toEqual({ value: "ok", attempts: 3 });
    expect(retries).toEqual([1, 2]);
  });

  it("gives up at the deadline with the last error and the number of attempts", async () => {
    const startedAt = Date.now();
    const failure = await retryUntil(
      async (n) => {
        throw new Error(`attempt ${n} failed`);
      },
      { deadline: startedAt + 300, baseMs: 20, maxMs: 40 },
    ).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RetriesExhausted);
    const exhausted = failure as RetriesExhausted;
    expect(exhausted.message).toBe(`attempt ${exhausted.attempts} failed`);
    expect(exhausted.attempts).toBeGreaterThan(3);
    expect(Date.now() - startedAt).toBeLessThan(1_000);
  });

  it("aborts an attempt that outlives the deadline", async () => {
    const failure = await retryUntil(
      (_n, signal) =>
        new Promise((_resolve, reject) =>
          signal.addEventListener("abort", () => reject(new Error("aborted"))),
        ),
      { deadline: Date.now() + 100 },
    ).catch((e: unknown) => e);
    expect(failure).toMatchObject({ message: "aborted", attempts: 1 });
  });
});
