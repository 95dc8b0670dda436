import { describe, expect, it } from "vitest";
import { apiFailure } from "#contracts/api/envelope.ts";
import { callAs } from "../../test/support/api.ts";

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
});
