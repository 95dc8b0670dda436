import { describe, expect, it } from "vitest";
import { jsonInit, useEmulator } from "../testing.ts";

const ctx = useEmulator();
const inputs = () => ctx.emu.stores.stream.list();

describe("a lose_answer fault", () => {
  it("carries the request out, then cuts the connection instead of answering", async () => {
    await ctx.admin.addFault({
      method: "POST",
      path: "/client/v4/accounts/*/stream/live_inputs",
      count: 1,
      action: { type: "lose_answer" },
    });
    const lost = await ctx.api("/stream/live_inputs", jsonInit("POST", { meta: { name: "show" } })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(lost).toBeInstanceOf(TypeError);
    expect(inputs().map((i) => i.meta)).toEqual([{ name: "show" }]);
    const [logged] = await ctx.admin.requests({ method: "POST" });
    expect(logged).toMatchObject({ status: 200, fault: "lose_answer" });
    // The rule has retired itself: the connection pool is not left with a broken socket either.
    expect((await ctx.api("/stream/live_inputs")).status).toBe(200);
  });

  it("or answers a 5xx in place of what the service said", async () => {
    await ctx.admin.addFault({
      method: "POST",
      path: "/client/v4/accounts/*/calls/turn_keys",
      action: { type: "lose_answer", as: 502 },
    });
    const res = await ctx.api("/calls/turn_keys", jsonInit("POST", { name: "k" }));
    expect(res.status).toBe(502);
    expect(res.headers.get("x-emulator-fault")).toBe("lose_answer");
    const body = (await res.json()) as { success: boolean; errors: { code: number }[] };
    expect(body).toMatchObject({ success: false, errors: [{ code: 10502 }] });
    // The key exists, and nothing in the answer handed its secret out.
    expect(ctx.emu.stores.calls.list("turnKeys").map((k) => k.name)).toEqual(["k"]);
    expect(JSON.stringify(body)).not.toContain(ctx.emu.stores.calls.list("turnKeys")[0]!.secret);
  });

  it("is refused with a clear message when its `as` is neither reset nor a 5xx", async () => {
    const res = await fetch(`${ctx.emu.url}/__emulator/faults`, {
      ...jsonInit("POST", { path: "/**", action: { type: "lose_answer", as: 404 } }),
      headers: { authorization: `Bearer ${ctx.emu.adminToken}`, "content-type": "application/json" },
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain("action.as");
    expect(await ctx.admin.faults()).toEqual([]);
  });
});
