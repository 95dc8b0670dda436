import { afterEach, describe, expect, it, vi } from "vitest";
import { DeferredWrites, STORAGE_MAX_KEYS } from "./deferred-writes.ts";

/** The part of the storage API the writes use, recording each put. */
function fakeStorage() {
  const puts: Record<string, unknown>[] = [];
  const storage = {
    put: async (entries: Record<string, unknown>) => {
      puts.push(entries);
    },
  } as unknown as DurableObjectStorage;
  return { storage, puts };
}

describe("DeferredWrites", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("writes every value set within the delay together, at most 128 keys a put, the latest state of each", async () => {
    vi.useFakeTimers();
    const { storage, puts } = fakeStorage();
    const writes = new DeferredWrites<{ n: number }>(storage, 1_000, (value) => value.n);
    const counters = Array.from({ length: 300 }, () => ({ n: 0 }));
    counters.forEach((counter, i) => {
      writes.set(`k${i}`, counter);
    });
    counters[0]!.n = 7;
    await vi.advanceTimersByTimeAsync(999);
    expect(puts).toEqual([]);
    expect(writes.get("k0")).toBe(counters[0]);
    await vi.advanceTimersByTimeAsync(1);
    expect(puts.map((entries) => Object.keys(entries).length)).toEqual([
      STORAGE_MAX_KEYS,
      STORAGE_MAX_KEYS,
      44,
    ]);
    expect(Object.assign({}, ...puts)).toMatchObject({ k0: 7, k299: 0 });
    expect(writes.get("k0")).toBeUndefined();
  });

  it("forgets a value deleted before its write, and starts a new batch after a write", async () => {
    vi.useFakeTimers();
    const { storage, puts } = fakeStorage();
    const writes = new DeferredWrites<number>(storage, 1_000);
    writes.set("gone", 1);
    writes.set("kept", 2);
    writes.delete("gone");
    expect([...writes.entries()]).toEqual([["kept", 2]]);
    await vi.advanceTimersByTimeAsync(1_000);
    writes.set("next", 3);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(puts).toEqual([{ kept: 2 }, { next: 3 }]);
  });
});
