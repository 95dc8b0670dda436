import { describe, expect, it } from "vitest";
import { FirstFailure } from "./first-failure.ts";

describe("the first failure of a run", () => {
  it("is the one the run fails with, whatever fails after it", async () => {
    const failure = new FirstFailure();
    try {
      expect(failure.happened).toBe(false);
      failure.fail(new Error("create live input acme/main-stage: HTTP 429"));
      failure.fail(new Error("a later registration"));
      expect(failure.happened).toBe(true);
      await expect(failure.failed).rejects.toThrow("acme/main-stage: HTTP 429");
    } finally {
      failure.dispose();
    }
  });

  it("takes a rejection nobody awaited as the run's failure while it watches, and stops when disposed", async () => {
    const failure = new FirstFailure();
    const listeners = process.listenerCount("unhandledRejection");
    void Promise.reject(new Error("a registration the runtime rethrew"));
    await expect(failure.failed).rejects.toThrow("a registration the runtime rethrew");
    failure.dispose();
    expect(process.listenerCount("unhandledRejection")).toBe(listeners - 1);
  });
});
