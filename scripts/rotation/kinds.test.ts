import { describe, expect, it } from "vitest";
import { rotationSchema } from "#infra/config.ts";
import type { PlannedChange } from "#infra/stack-driver.ts";
import {
  NOTIFICATION_POLICY_WEBHOOKS,
  REALTIME_SFU_APP,
  REALTIME_TURN_KEY,
  WORKERS_SCRIPT,
} from "#infra/type-tokens.ts";
import { kindRotation, ROTATION_KINDS } from "./kinds.ts";
import { describeChange, unrelatedChanges } from "./preview-check.ts";

const TURN_KEY = REALTIME_TURN_KEY;
const SFU_APP = REALTIME_SFU_APP;
const change = (op: PlannedChange["op"], type: string, name: string, diffs?: string[]): PlannedChange => ({
  op,
  type,
  name,
  ...(diffs ? { diffs } : {}),
});

describe("the Worker's own secrets", () => {
  const from = { active: "b" as const, generations: { a: 1, b: 2 } };
  const bindings = change("update", WORKERS_SCRIPT, "realtime-worker", ["bindings"]);

  it("fill the inactive slot's config secret at regenerate, and nothing at any other step", () => {
    const signing = kindRotation("signing-secret");
    expect(signing.freshSecret?.(from, "regenerate")).toBe("realtime-stack:signingSecret");
    expect(signing.freshSecret?.({ ...from, active: "a" }, "regenerate")).toBe(
      "realtime-stack:signingSecretB",
    );
    expect(kindRotation("webhook-secret").freshSecret?.(from, "regenerate")).toBe(
      "realtime-stack:webhookSecret",
    );
    for (const step of ["switch", "verify", "rollback"] as const)
      expect(signing.freshSecret?.(from, step)).toBeUndefined();
    expect(kindRotation("turn").freshSecret).toBeUndefined();
  });

  it("change only the Worker's bindings, and the webhook destination when the webhook secret switches", () => {
    const signing = kindRotation("signing-secret");
    const webhook = kindRotation("webhook-secret");
    const destination = change("update", NOTIFICATION_POLICY_WEBHOOKS, "realtime-notify-webhook", ["secret"]);
    expect(signing.allows("regenerate", bindings)).toBe(true);
    expect(signing.allows("switch", destination)).toBe(false);
    expect(webhook.allows("regenerate", destination)).toBe(false);
    expect(webhook.allows("switch", destination)).toBe(true);
    expect(webhook.allows("rollback", destination)).toBe(true);
    expect(
      webhook.allows("switch", change("replace", NOTIFICATION_POLICY_WEBHOOKS, "realtime-notify-webhook")),
    ).toBe(false);
  });
});

describe("slotted kinds", () => {
  const turn = kindRotation("turn");
  const from = { active: "a" as const, generations: { a: 3, b: 2 } };

  it("regenerate the inactive slot, then switch to it; rollback keeps the new credential but not its use", () => {
    expect(turn.steps).toEqual(["regenerate", "switch", "verify"]);
    expect(turn.target(from, "regenerate")).toEqual({ active: "a", generations: { a: 3, b: 3 } });
    expect(turn.target(from, "switch")).toEqual({ active: "b", generations: { a: 3, b: 3 } });
    expect(turn.target(from, "verify")).toEqual(turn.target(from, "switch"));
    expect(turn.target(from, "rollback")).toEqual({ active: "a", generations: { a: 3, b: 3 } });
    expect(turn.describe(from)).toBe("slot a (g3) → slot b (g3)");
  });

  it("touch only their own part of the rotation config", () => {
    const rotation = rotationSchema.parse({ turn: from, sfu: { active: "b" } });
    const next = turn.withState(rotation, turn.target(from, "switch"));
    expect(next.sfu).toEqual(rotation.sfu);
    expect(next.tenantKeys).toEqual(rotation.tenantKeys);
    expect(turn.stateOf(next)).toEqual({ active: "b", generations: { a: 3, b: 3 } });
  });

  it("allow only their own resources while regenerating, and only Worker bindings while switching", () => {
    expect(turn.allows("regenerate", change("create", TURN_KEY, "realtime-turn-b-g3"))).toBe(true);
    expect(turn.allows("regenerate", change("delete", TURN_KEY, "realtime-turn-b-g2"))).toBe(true);
    expect(turn.allows("regenerate", change("create", SFU_APP, "realtime-sfu-b-g2"))).toBe(false);
    expect(turn.allows("regenerate", change("update", WORKERS_SCRIPT, "realtime-worker", ["bindings"]))).toBe(
      false,
    );
    expect(turn.allows("switch", change("update", WORKERS_SCRIPT, "realtime-worker", ["bindings"]))).toBe(
      true,
    );
    expect(
      turn.allows("switch", change("update", WORKERS_SCRIPT, "realtime-worker", ["bindings", "content"])),
    ).toBe(false);
    expect(turn.allows("switch", change("create", TURN_KEY, "realtime-turn-a-g4"))).toBe(false);
    expect(turn.allows("verify", change("update", WORKERS_SCRIPT, "realtime-worker", ["bindings"]))).toBe(
      false,
    );
  });
});

describe("tenant keys", () => {
  const keys = kindRotation("tenant-keys");
  it("advance the generation; rollback returns to it", () => {
    expect(keys.steps).toEqual(["advance", "verify"]);
    expect(keys.target({ generation: 4 }, "advance")).toEqual({ generation: 5 });
    expect(keys.target({ generation: 4 }, "rollback")).toEqual({ generation: 4 });
    expect(keys.describe({ generation: 4 })).toBe("generation 4 → 5");
  });
});

describe("the preview check", () => {
  const pending = [
    change("create", TURN_KEY, "realtime-turn-b-g2"),
    change("update", WORKERS_SCRIPT, "realtime-worker", ["content"]),
  ];

  it("refuses everything pending on a fresh start", () => {
    expect(unrelatedChanges(pending)).toEqual(pending);
    expect(unrelatedChanges([])).toEqual([]);
  });

  it("lets an interrupted step's own changes through, and nothing else", () => {
    expect(unrelatedChanges(pending, [{ rotation: kindRotation("turn"), step: "regenerate" }])).toEqual([
      pending[1],
    ]);
  });

  it("lets through the Worker upload that only drops migrations already applied", () => {
    const settle = change("update", WORKERS_SCRIPT, "realtime-worker", ["migrations"]);
    expect(unrelatedChanges([settle])).toEqual([]);
    const more = change("update", WORKERS_SCRIPT, "realtime-worker", ["migrations", "content"]);
    expect(unrelatedChanges([more])).toEqual([more]);
  });

  it("names each change the way an operator reads a preview", () => {
    expect(pending.map(describeChange)).toEqual([
      "create RealtimeTurnKey realtime-turn-b-g2",
      "update WorkersScript realtime-worker (content)",
    ]);
  });

  it("knows every scheduled kind", () => {
    for (const kind of ROTATION_KINDS) expect(kindRotation(kind).kind).toBe(kind);
  });
});

describe("emergency steps", () => {
  const from = { active: "a" as const, generations: { a: 3, b: 2 } };
  const bindings = change("update", WORKERS_SCRIPT, "realtime-worker", ["bindings"]);

  it("end every slotted kind with revoke: both slots new, the Worker on the one made first", () => {
    for (const kind of [
      "turn",
      "sfu",
      "api-token",
      "playback-keys",
      "signing-secret",
      "webhook-secret",
    ] as const) {
      const rotation = kindRotation(kind);
      expect(rotation.emergencySteps).toEqual([...rotation.steps, "revoke"]);
      expect(rotation.target(from, "revoke")).toEqual({ active: "b", generations: { a: 4, b: 3 } });
    }
    const turn = kindRotation("turn");
    expect(turn.allows("revoke", change("replace", TURN_KEY, "realtime-turn-a-g4"))).toBe(true);
    expect(turn.allows("revoke", bindings)).toBe(true);
    expect(turn.allows("revoke", change("replace", SFU_APP, "realtime-sfu-a-g4"))).toBe(false);
    expect(turn.describeStep(from, "revoke")).toBe(
      "slot a (g3) replaced by g4: the TURN key from before no longer works",
    );
  });

  it("give the old active slot of a Worker secret a fresh value at revoke", () => {
    expect(kindRotation("signing-secret").freshSecret?.(from, "revoke")).toBe("realtime-stack:signingSecret");
    expect(kindRotation("webhook-secret").freshSecret?.({ ...from, active: "b" }, "revoke")).toBe(
      "realtime-stack:webhookSecretB",
    );
  });

  it("advance tenant keys twice, out of the Worker's window of the current and previous generation", () => {
    const keys = kindRotation("tenant-keys");
    expect(keys.emergencySteps).toEqual(["advance", "verify", "revoke"]);
    expect(keys.target({ generation: 4 }, "revoke")).toEqual({ generation: 6 });
    expect(keys.allows("revoke", bindings)).toBe(true);
  });

  it("roll the deploy token in place, last, with no step that switches back", () => {
    const deploy = kindRotation("deploy-token");
    expect(ROTATION_KINDS.at(-1)).toBe("deploy-token");
    expect(deploy.steps).toEqual(["roll", "verify"]);
    expect(deploy.emergencySteps).toEqual(["roll", "verify"]);
    expect(deploy.target({ generation: 1 }, "roll")).toEqual({ generation: 2 });
    expect(deploy.irreversible).toMatch(/invalidated by the roll/);
    expect(deploy.allows("roll", bindings)).toBe(false);
  });
});
