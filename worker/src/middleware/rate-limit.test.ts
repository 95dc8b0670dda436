import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { apiFailure } from "../../../contracts/api/envelope.ts";
import { callAs } from "../../test/support/api.ts";

// Tenant `tiny` may mint 4 credentials a minute, 2 per user.
const mintTurn = (user: string) =>
  callAs("tiny", "/api/realtime/turn", { method: "POST", body: { user_id: user } });

describe("credential minting limits", () => {
  it("429s with Retry-After per user, then per tenant; refused requests spend nothing", async () => {
    const invalid = await callAs("tiny", "/api/realtime/turn", {
      method: "POST",
      body: { user_id: "u1", ttl: 5 },
    });
    expect(invalid.status).toBe(400);
    expect((await mintTurn("u1")).status).toBe(200);
    expect((await mintTurn("u1")).status).toBe(200);

    const perUser = await mintTurn("u1");
    expect(perUser.status).toBe(429);
    const userError = apiFailure.parse(perUser.json).error;
    expect(userError.code).toBe("rate_limited");
    expect(userError.details).toMatchObject({ scope: "user" });
    expect(Number(perUser.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);

    expect((await mintTurn("u2")).status).toBe(200);
    const sfu = await callAs("tiny", "/api/realtime/sfu", {
      method: "POST",
      body: { room_id: "r", user_id: "u3", user_name: "U" },
    });
    expect(sfu.status).toBe(201);
    const perTenant = await mintTurn("u4");
    expect(perTenant.status).toBe(429);
    expect(apiFailure.parse(perTenant.json).error.details).toMatchObject({ scope: "tenant" });
  });
});

describe("TenantBudget", () => {
  const limiter = () => env.TENANT_BUDGET.get(env.TENANT_BUDGET.idFromName("unit-test"));

  it("refills at the per-minute rate and says how long until the next token", async () => {
    const budgets = [{ key: "tenant", perMinute: 60 }];
    const t0 = 1_000_000;
    for (let i = 0; i < 60; i++) expect((await limiter().take(budgets, t0)).allowed).toBe(true);
    expect(await limiter().take(budgets, t0)).toEqual({
      allowed: false,
      key: "tenant",
      retryAfterSeconds: 1,
    });
    expect((await limiter().take(budgets, t0 + 1_000)).allowed).toBe(true);
    expect((await limiter().take(budgets, t0 + 1_000)).allowed).toBe(false);
  });

  it("takes from every budget or from none", async () => {
    const t0 = 5_000_000;
    const tenant = { key: "tenant", perMinute: 3 };
    const id = env.TENANT_BUDGET.idFromName("all-or-none");
    const stub = env.TENANT_BUDGET.get(id);
    expect((await stub.take([tenant, { key: "user:a", perMinute: 1 }], t0)).allowed).toBe(true);
    expect((await stub.take([tenant, { key: "user:a", perMinute: 1 }], t0)).allowed).toBe(false);
    // The refused request above took nothing from the tenant: two tokens are left.
    expect((await stub.take([tenant], t0)).allowed).toBe(true);
    expect((await stub.take([tenant], t0)).allowed).toBe(true);
    expect(await stub.take([tenant], t0)).toEqual({ allowed: false, key: "tenant", retryAfterSeconds: 20 });
  });
});
