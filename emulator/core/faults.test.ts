import { describe, expect, it } from "vitest";
import { FaultRules } from "./faults.ts";

const session = "/v1/apps/a1/sessions/s1";

describe("fault rules", () => {
  it("keep HTTP and media apart: an HTTP request never takes a drop_media rule, a packet never an HTTP one", () => {
    const rules = new FaultRules();
    rules.add({ path: "/v1/apps/a1/**", action: { type: "drop_media" } });
    expect(rules.match("POST", `${session}/tracks/new`)).toBeUndefined();
    expect(rules.match("GET", session)).toBeUndefined();
    expect(rules.matchMedia(session)).toEqual({ type: "drop_media" });
    expect(rules.matchMedia("/v1/apps/a2/sessions/s2")).toBeUndefined();

    rules.clear();
    rules.add({ path: "/v1/apps/**", action: { type: "status", status: 500 } });
    expect(rules.matchMedia(session)).toBeUndefined();
    expect(rules.match("GET", session)).toMatchObject({ type: "status", status: 500 });
  });

  it("count and probability apply per packet, and firings are counted", () => {
    const dice = [0.2, 0.9, 0.1];
    const rules = new FaultRules(() => dice.shift() ?? 0);
    const lossy = rules.add({
      path: "/v1/apps/*/sessions/*",
      probability: 0.5,
      action: { type: "drop_media" },
    });
    expect([rules.matchMedia(session), rules.matchMedia(session), rules.matchMedia(session)]).toEqual([
      { type: "drop_media" },
      undefined,
      { type: "drop_media" },
    ]);
    expect(rules.list().find((r) => r.id === lossy.id)?.fired).toBe(2);

    rules.clear();
    rules.add({ path: session, count: 2, action: { type: "drop_media" } });
    expect([1, 2, 3].map(() => rules.matchMedia(session)?.type)).toEqual([
      "drop_media",
      "drop_media",
      undefined,
    ]);
  });

  it("match no packet once the last drop_media rule is removed, while the HTTP rules stay", () => {
    const rules = new FaultRules();
    const drop = rules.add({ path: "/v1/apps/**", action: { type: "drop_media" } });
    rules.add({ path: "/v1/apps/**", action: { type: "status", status: 500 } });
    const again = rules.add({ path: session, action: { type: "drop_media" } });
    rules.remove(drop.id);
    expect(rules.matchMedia(session)).toEqual({ type: "drop_media" });
    rules.remove(again.id);
    expect(rules.matchMedia(session)).toBeUndefined();
    expect(rules.match("GET", session)).toMatchObject({ type: "status", status: 500 });
  });

  it("refuse a drop_media rule that names an HTTP method", () => {
    const rules = new FaultRules();
    expect(() => rules.add({ method: "GET", path: "/v1/**", action: { type: "drop_media" } })).toThrow(
      /not to an HTTP method/,
    );
    expect(rules.list()).toEqual([]);
  });
});
