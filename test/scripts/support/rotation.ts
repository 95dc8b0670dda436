import { readFileSync, writeFileSync } from "node:fs";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CONFIG_NAMESPACE, SECRET_SLOT_KEYS, type SlottedRotation } from "#infra/config.ts";
import { localDeployToken } from "#local-engine/deploy-token.ts";
import { readLocalSecret } from "#local-engine/local-config.ts";
import { silentProgress } from "#scripts/lib/progress.ts";
import { Journal } from "#scripts/rotation/journal.ts";
import { APPLIES, kindRotation, ROTATION_KINDS, type RotationKind } from "#scripts/rotation/kinds.ts";
import { type Checkpoint, type RotateOptions, rotate } from "#scripts/rotation/run.ts";
import { stackVerifier } from "#scripts/rotation/verify.ts";
import { activeCredential, credentialWorks, RESOURCE, type SlottedKind } from "./credentials.ts";
import { engineState, resourceNamed, startTestStack, type TestStack, workerBinding } from "./local-stack.ts";

/** The Worker's own two-slot secrets, as the rotation wrote them (the local stack's secrets file). */
export const SECRET_KINDS = {
  "signing-secret": { slots: SECRET_SLOT_KEYS.signingSecret, binding: "SIGNING_SECRET" },
  "webhook-secret": { slots: SECRET_SLOT_KEYS.webhookSecret, binding: "WEBHOOK_SECRET" },
} as const;
export type SecretKind = keyof typeof SECRET_KINDS;
const isSecretKind = (kind: RotationKind): kind is SecretKind => kind in SECRET_KINDS;

/** What a test's checkpoint throws to stand for the process being killed there. */
export class Interrupted extends Error {}

/**
 * One local stack for a rotation test file, and what its tests rotate with. Each file has its own
 * stack, so that the files run side by side; within a file the tests take turns on it.
 */
export class RotationStack {
  private current: TestStack | undefined;
  private periods = 0;

  constructor() {
    beforeAll(async () => {
      this.current = await startTestStack();
    });
    afterAll(() => this.current?.close());
    afterEach(() => this.stack.admin.clearFaults());
    // Every test starts from a settled stack, nothing pending, so that a refusal is always the
    // test's doing. Each test leaves it settled when it passes (those that change the config put it
    // back); one that fails may not, so the stack is applied after it, its faults cleared first.
    beforeEach(({ onTestFailed }) => {
      onTestFailed(async () => {
        await this.stack.driver.up();
      });
    });
  }

  get stack(): TestStack {
    if (!this.current) throw new Error("the rotation stack is not started yet (use it inside a test)");
    return this.current;
  }

  /** Each test rotates in a period of its own, so that no test finds another's rotation done. */
  newPeriod = () => `test-${++this.periods}`;

  rotateNow = (kinds: readonly RotationKind[], extra: Partial<RotateOptions> = {}) =>
    rotate(this.stack.driver, {
      kinds,
      period: this.newPeriod(),
      dryRun: false,
      force: false,
      verify: stackVerifier({ timeoutMs: 5_000, mediaProbes: false }),
      progress: silentProgress,
      ...extra,
    });

  journalFile = () => Journal.fileFor(this.stack.stateDir, "dev");

  /** What the Worker was deployed with, per slotted kind. */
  workerUses = (kind: SlottedKind): string | undefined => {
    if (kind === "turn") return workerBinding(this.stack.local, "TURN_KEY_ID");
    if (kind === "sfu") return workerBinding(this.stack.local, "SFU_APP_ID");
    return workerBinding(this.stack.local, "STREAM_API_TOKEN");
  };

  private slotSecret = (kind: SecretKind, slot: "a" | "b") =>
    readLocalSecret(this.stack.stateDir, "dev", `${CONFIG_NAMESPACE}:${SECRET_KINDS[kind].slots[slot]}`);

  secretSlots = async (kind: SecretKind) => {
    const { active } = kindRotation(kind).stateOf(await this.stack.driver.rotation()) as SlottedRotation;
    return {
      active: this.slotSecret(kind, active)!,
      other: this.slotSecret(kind, active === "a" ? "b" : "a"),
    };
  };

  /** The deploy token the local stack holds now (`cloudflare:apiToken` in its secrets file). */
  deployToken = () => localDeployToken(this.stack.stateDir, "dev")!;
}

export const workerExpects = (kind: SlottedKind, credential: { id: string; secret: string }) =>
  kind === "api-token" ? credential.secret : credential.id;

/** The stack's verification, with one injected failed check: the new credential "does not work". */
export function failingVerifier(): RotateOptions["verify"] {
  const verify = stackVerifier({ timeoutMs: 5_000, mediaProbes: false });
  return async (kind, driver) => {
    const outcome = await verify(kind, driver);
    const refused = {
      name: "injected",
      status: "failed" as const,
      attempts: 1,
      durationMs: 0,
      error: "refused",
    };
    return { ...outcome, passed: false, checks: [...outcome.checks, refused] };
  };
}

/**
 * Every point where a rotation can be interrupted: each step of each kind as it begins, once its
 * config is written (for the steps that apply the stack) and once it is done. Playback keys keep
 * the key switched away from until the longest token it signed has expired, so a second rotation
 * of them within that time is skipped by design, which this matrix (one rotation after another of
 * the same kind) cannot express; test/scripts/signed-playback.test.ts covers their rotation and
 * retirement.
 */
const INTERRUPTION_POINTS: Checkpoint[] = ROTATION_KINDS.filter((kind) => kind !== "playback-keys").flatMap(
  (kind) =>
    kindRotation(kind).steps.flatMap((step) =>
      (APPLIES.has(step)
        ? (["begun", "configured", "applied"] as const)
        : (["begun", "applied"] as const)
      ).map((phase): Checkpoint => ({ kind, step, phase })),
    ),
);

/**
 * The matrix's kinds in two groups, one test file each (rotation-interruption-*.test.ts), so that
 * the two halves run side by side, each on its own stack: the Cloudflare credentials kept in slots,
 * and the stack's own keys, secrets and deploy token.
 */
export const INTERRUPTION_GROUPS = {
  "cloudflare-credentials": ["turn", "sfu", "api-token"],
  "own-secrets": ["tenant-keys", "signing-secret", "webhook-secret", "deploy-token"],
} as const satisfies Record<string, readonly RotationKind[]>;

// Split or not, the matrix is the whole matrix: a kind in no group would go untested.
const grouped = new Set<RotationKind>(Object.values(INTERRUPTION_GROUPS).flat());
const ungrouped = [...new Set(INTERRUPTION_POINTS.map((p) => p.kind))].filter((kind) => !grouped.has(kind));
if (ungrouped.length > 0) throw new Error(`no interruption test file covers ${ungrouped.join(", ")}`);

/** The interruption matrix for one group's kinds: a kill at each point and a re-run, up to five applies each. */
export function describeInterruptions(rs: RotationStack, group: keyof typeof INTERRUPTION_GROUPS): void {
  const kinds: readonly RotationKind[] = INTERRUPTION_GROUPS[group];
  const points = INTERRUPTION_POINTS.filter((point) => kinds.includes(point.kind));
  describe("interruption after each step", { timeout: 120_000 }, () => {
    it.each(points)(
      "$kind killed at $step ($phase): a re-run finishes the rotation, nothing half-done",
      async (at) => {
        const { stack } = rs;
        const rotation = kindRotation(at.kind);
        const from = rotation.stateOf(await stack.driver.rotation());
        const period = rs.newPeriod();
        // A kill leaves on disk what was there at that moment: the journal is frozen then, and put back.
        let frozen: string | undefined;
        const checkpoint = (point: Checkpoint) => {
          if (point.kind !== at.kind || point.step !== at.step || point.phase !== at.phase) return;
          frozen = readFileSync(rs.journalFile(), "utf8");
          throw new Interrupted(`killed at ${at.step} (${at.phase})`);
        };
        const interrupted = await rs.rotateNow([at.kind], { period, checkpoint });
        expect(interrupted.ok).toBe(false);
        expect(frozen).toBeDefined();
        writeFileSync(rs.journalFile(), frozen!);

        const rerun = await rs.rotateNow([at.kind], { period });
        expect(rerun.refused).toBeUndefined();
        expect(rerun.kinds).toMatchObject([{ kind: at.kind, outcome: "rotated", resumed: true }]);
        expect(rotation.stateOf(await stack.driver.rotation())).toEqual(rotation.target(from, "verify"));
        const state = engineState(stack.local);
        expect(state.pendingDeletes).toEqual([]);
        if (isSecretKind(at.kind)) {
          const binding = SECRET_KINDS[at.kind].binding;
          const slots = await rs.secretSlots(at.kind);
          expect(workerBinding(stack.local, binding)).toBe(slots.active);
          expect(workerBinding(stack.local, `${binding}_FALLBACK`)).toBe(slots.other);
        } else if (at.kind === "deploy-token") {
          expect(await credentialWorks(stack, "api-token", { id: "", secret: rs.deployToken() })).toBe(true);
        } else if (at.kind in RESOURCE) {
          const type = resourceNamed(stack.local, "realtime-worker").type;
          expect(type).toContain("WorkersScript");
          const slots = Object.values(state.resources).filter((r) =>
            r.name.startsWith(`${RESOURCE[at.kind as SlottedKind].prefix}-`),
          );
          expect(slots.map((r) => r.name.replace(/-g\d+$/, "")).sort()).toEqual([
            `${RESOURCE[at.kind as SlottedKind].prefix}-a`,
            `${RESOURCE[at.kind as SlottedKind].prefix}-b`,
          ]);
          expect(rs.workerUses(at.kind as SlottedKind)).toBe(
            workerExpects(at.kind as SlottedKind, await activeCredential(stack, at.kind as SlottedKind)),
          );
        }
        expect(Journal.load(rs.journalFile(), "dev", period).run(at.kind)).toMatchObject({ status: "done" });
      },
    );
  });
}
