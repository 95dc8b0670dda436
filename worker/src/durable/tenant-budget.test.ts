import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { tenantBudget } from "./tenant-budget.ts";

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

  it("leases over RPC, and keeps a leased minute budget in storage: held at the lease's end, then where it was spent", async () => {
    const t0 = 15_000_000; // the start of a 3-second slot
    const minute = { key: "credentials", limit: 10, windowMs: 60_000 };
    const stub = budget("leased");
    const [grant] = await stub.lease([{ budget: minute, want: 20 }], [], t0);
    // Half the limit, for 12 s: 5 units × 12 s is a tenth of 10 units × 60 s.
    expect(grant).toMatchObject({ key: "credentials", units: 5, ttlMs: 12_000 });
    // Written about a second later, together with whatever else counted meanwhile.
    const stored = (slots: unknown) =>
      vi.waitFor(
        async () =>
          expect(
            await runInDurableObject(stub, (_object, state) => state.storage.get("window:credentials")),
          ).toEqual({ windowMs: 60_000, slots }),
        { timeout: 5_000, interval: 100 },
      );
    await stored([{ index: 5_004, count: 5 }]);
    const id = (grant as { id: string }).id;
    expect(await stub.lease([], [{ id, spent: [[1_000, 2]] }], t0 + 2_000)).toEqual([]);
    await stored([{ index: 5_000, count: 2 }]);
  });
});
