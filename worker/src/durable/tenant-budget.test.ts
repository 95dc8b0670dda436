import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { SlidingWindow } from "./sliding-window.ts";
import { tenantBudget } from "./tenant-budget.ts";

describe("SlidingWindow", () => {
  it("admits up to the limit in any span of the window, and says when the next call may go", () => {
    const window = new SlidingWindow(60_000);
    const t0 = 6_000_000; // the start of a 3-second slot
    for (let i = 0; i < 3; i++) {
      expect(window.waitMs(3, t0 + i * 10_000)).toBe(0);
      window.count(t0 + i * 10_000);
    }
    // The first call leaves the window with its slot, 21 slots (63 s) after the slot began.
    expect(window.waitMs(3, t0 + 30_000)).toBe(33_000);
    expect(window.waitMs(3, t0 + 62_999)).toBe(1);
    expect(window.waitMs(3, t0 + 63_000)).toBe(0);
    // A lowered limit applies at once.
    expect(window.waitMs(1, t0 + 63_000)).toBe(18_000);
  });

  it("never lets more than the limit into any span of the window, wherever the calls fall", () => {
    const windowMs = 1_000;
    const window = new SlidingWindow(windowMs);
    const admitted: number[] = [];
    for (let t = 0; t < 10_000; t += 7 + (t % 13)) {
      if (window.waitMs(50, t) === 0) {
        window.count(t);
        admitted.push(t);
      }
    }
    for (const start of admitted) {
      expect(admitted.filter((t) => t >= start && t < start + windowMs).length).toBeLessThanOrEqual(50);
    }
    expect(admitted.length).toBeGreaterThan(400);
  });
});

describe("TenantBudget", () => {
  const budget = (name: string) => tenantBudget(env, name);

  it("counts a call against every budget or against none, and says which one is spent", async () => {
    const t0 = 5_000_000;
    const tenant = { key: "credentials", limit: 3, windowMs: 60_000 };
    const user = { key: "user:a", limit: 1, windowMs: 60_000 };
    const stub = budget("all-or-none");
    expect((await stub.take([tenant, user], t0)).allowed).toBe(true);
    expect(await stub.take([tenant, user], t0)).toEqual({
      allowed: false,
      key: "user:a",
      retryAfterSeconds: 61,
    });
    // The refused call took nothing from the tenant: two calls are left.
    expect((await stub.take([tenant], t0)).allowed).toBe(true);
    expect((await stub.take([tenant], t0)).allowed).toBe(true);
    expect((await stub.take([tenant], t0)).allowed).toBe(false);
  });

  it("keeps windows longer than 10 s in storage, so that an evicted object forgets nothing", async () => {
    const t0 = 9_000_000;
    const share = { key: "cloudflare-api", limit: 2, windowMs: 300_000 };
    const stub = budget("persisted");
    expect((await stub.take([share], t0)).allowed).toBe(true);
    expect((await stub.take([share], t0)).allowed).toBe(true);
    // Written shortly after, in one go.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const stored = await runInDurableObject(stub, (_object, state) =>
      state.storage.get("window:cloudflare-api"),
    );
    expect(stored).toEqual({ windowMs: 300_000, slots: [{ index: 600, count: 2 }] });
    expect((await stub.take([share], t0 + 60_000)).allowed).toBe(false);
    const perSecond = { key: "turn", limit: 5, windowMs: 1_000 };
    expect((await stub.take([perSecond], t0)).allowed).toBe(true);
    const keys = await runInDurableObject(stub, async (_object, state) => [
      ...(await state.storage.list()).keys(),
    ]);
    expect(keys).toEqual(["window:cloudflare-api"]);
  });

  it("drops empty windows once it holds many, from storage too", async () => {
    const t0 = 12_000_000;
    const users = Array.from({ length: 1_001 }, (_, i) => ({
      key: `user:u${i}`,
      limit: 5,
      windowMs: 60_000,
    }));
    const stub = budget("pruned");
    expect((await stub.take(users, t0)).allowed).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const storedKeys = () =>
      runInDurableObject(stub, async (_object, state) => (await state.storage.list()).size);
    expect(await storedKeys()).toBe(1_001);
    // Two minutes on, every one of them is empty; one more user's call prunes them.
    expect((await stub.take([{ key: "user:late", limit: 5, windowMs: 60_000 }], t0 + 120_000)).allowed).toBe(
      true,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(await storedKeys()).toBe(1);
  });
});
