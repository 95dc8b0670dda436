import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { apiFailure } from "#contracts/api/envelope.ts";
import { callAs } from "../../test/support/api.ts";
import { createApp } from "../app.ts";
import type { TenantBudget } from "../durable/tenant-budget.ts";

// Tenant `tiny` may mint 4 credentials a minute, 2 per user.
const mintTurn = (user: string) =>
  callAs("tiny", "/api/realtime/turn", { method: "POST", body: { user_id: user } });

describe("credential minting limits", () => {
  it("429s with Retry-After per user, then per tenant, aliases counted alike; refused requests spend nothing", async () => {
    const invalid = await callAs("tiny", "/api/realtime/turn", {
      method: "POST",
      body: { user_id: "u1", ttl: 5 },
    });
    expect(invalid.status).toBe(400);
    expect((await mintTurn("u1")).status).toBe(200);
    const viaAlias = await callAs("tiny", "/api/realtime/turn/credentials", {
      method: "POST",
      body: { user_id: "u1" },
    });
    expect(viaAlias.status).toBe(200);

    const perUser = await mintTurn("u1");
    expect(perUser.status).toBe(429);
    const userError = apiFailure.parse(perUser.json).error;
    expect(userError.code).toBe("rate_limited");
    expect(userError.details).toMatchObject({ scope: "user", budget: "credentials" });
    expect(Number(perUser.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);

    expect((await mintTurn("u2")).status).toBe(200);
    const sfu = await callAs("tiny", "/api/realtime/sfu/connect", {
      method: "POST",
      body: { room_id: "r", user_id: "u3", user_name: "U" },
    });
    expect(sfu.status).toBe(201);
    const perTenant = await mintTurn("u4");
    expect(perTenant.status).toBe(429);
    expect(apiFailure.parse(perTenant.json).error.details).toMatchObject({ scope: "tenant" });
  });

  it("mints from what the isolate holds of the tenant's budgets, without waiting on its budget object", async () => {
    const namespace = env.TENANT_BUDGET;
    const budgetObject = { asks: 0, unreachable: false };
    // The tenant's budget object behind a counter; once unreachable (far away, or slow), it never answers.
    const counting = {
      idFromName: (name: string) => namespace.idFromName(name),
      get: (id: DurableObjectId) => ({
        lease: (...args: Parameters<DurableObjectStub<TenantBudget>["lease"]>) => {
          budgetObject.asks += 1;
          return budgetObject.unreachable ? new Promise(() => {}) : namespace.get(id).lease(...args);
        },
      }),
    };
    const app = { app: createApp(), env: { ...env, TENANT_BUDGET: counting } };
    const mint = () => callAs("acme", "/api/realtime/turn", { method: "POST", body: {}, app });
    for (let i = 0; i < 8; i++) expect((await mint()).status).toBe(200);
    expect(budgetObject.asks).toBeLessThan(8);
    budgetObject.unreachable = true;
    const asked = budgetObject.asks;
    // Each of these would hang (and the test time out) if it waited on the object.
    for (let i = 0; i < 3; i++) expect((await mint()).status).toBe(200);
    // At most one ask ahead went out, in the background.
    expect(budgetObject.asks - asked).toBeLessThanOrEqual(1);
  });
});
