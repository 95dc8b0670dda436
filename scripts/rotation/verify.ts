import { createServerClient } from "#client/server.ts";
import { CONFIG_NAMESPACE, SECRET_SLOT_KEYS } from "#infra/config.ts";
import type { StackDriver } from "#infra/stack-driver.ts";
import { silentProgress } from "../lib/progress.ts";
import { NO_PROBES, PROBE_TIMEOUT_MS, runProbes } from "../probes/plan.ts";
import { describeLatencies, type ProbeResult } from "../probes/probe.ts";
import { CheckFailed, type CheckResult, type SmokeCheck } from "../smoke/check.ts";
import { healthCheck } from "../smoke/health.ts";
import { type ChecksOutcome, primaryApi, runChecks, smokeRunId, waitForWorker } from "../smoke/run.ts";
import { sfuCheck } from "../smoke/sfu.ts";
import { type SmokeTarget, targetOfStack } from "../smoke/target.ts";
import { turnCheck } from "../smoke/turn.ts";
import { postUnknownInputNotification } from "../smoke/webhook.ts";
import { deployTokenWorks } from "./deploy-token.ts";
import type { RotationKind } from "./kinds.ts";

/**
 * A live input read the Worker makes with its API token: connect, whose channel status object reads with
 * the calling Worker's token (a holder may run the previous deploy for minutes), so with the new one.
 */
function streamTokenCheck(target: SmokeTarget): SmokeCheck {
  const tenant = target.tenants[0];
  const channel = tenant.channels[0];
  return {
    name: "stream-token",
    async run(signal) {
      if (!channel) throw new CheckFailed(`tenant ${tenant.id} has no channel to read through the Worker`);
      const { status } = await primaryApi(target).streamConnect({ channel: channel.name }, { signal });
      return `read live input ${status.live_input_id} of ${tenant.id}/${channel.name} with the Worker's token`;
    },
  };
}

/**
 * The channels to ask for a token: the private ones, when the stack's outputs say which they are,
 * so that a thousand public channels ahead of the first private one cost no calls (one each, in
 * turn, ran past the check's deadline and rolled the key back every week). Outputs written before
 * they said so leave every channel a candidate, the Worker's answer telling.
 */
const candidates = (tenant: SmokeTarget["tenants"][number]) =>
  tenant.channels.filter((c) => c.signed !== false);

/**
 * The Worker signs with the new playback key, and Stream's delivery host plays what it signs: a
 * fresh token for the first private channel found, checked on the delivery host's lifecycle of the
 * token (which passes the same signed-URL check as the manifests). Media plays through such a token
 * in test/scripts/signed-playback.test.ts.
 */
function playbackKeyCheck(target: SmokeTarget): SmokeCheck {
  return {
    name: "playback-key",
    async run(signal) {
      for (const tenant of target.tenants) {
        const api = createServerClient({ baseUrl: target.workerUrl, tenant: tenant.id, key: tenant.key });
        for (const channel of candidates(tenant)) {
          const answer = await api.streamPlaybackToken({ channel: channel.name, ttl: 60 }, { signal });
          if (!answer.signed) continue;
          const lifecycle = answer.playback.hls.replace(/\/manifest\/video\.m3u8$/, "/lifecycle");
          const res = await fetch(lifecycle, { signal });
          await res.arrayBuffer();
          if (res.status !== 200) {
            throw new CheckFailed(
              `the delivery host refused a fresh token of ${tenant.id}/${channel.name} with HTTP ${res.status}`,
            );
          }
          return `a fresh token of ${tenant.id}/${channel.name} is accepted by the delivery host`;
        }
      }
      return "no private channel among the checked tenants: the key signs nothing yet";
    },
  };
}

/** Each tenant's key of the new generation is accepted. */
function tenantKeyCheck(target: SmokeTarget, tenantIndex: number): SmokeCheck {
  const tenant = target.tenants[tenantIndex]!;
  const api = createServerClient({ baseUrl: target.workerUrl, tenant: tenant.id, key: tenant.key });
  return {
    name: `tenant-key ${tenant.id}`,
    async run(signal) {
      const channel = tenant.channels[0];
      if (!channel) throw new CheckFailed(`tenant ${tenant.id} has no channel to call the API with`);
      await api.streamStatus({ channel: channel.name }, { signal });
      return `the key of generation ${tenant.key.split(".")[1]} is accepted`;
    },
  };
}

/**
 * What the active signing slot makes is accepted: the tenant's key in the outputs (derived with it),
 * and a dashboard token the Worker signs with it, used as the tenant key would be.
 */
function signedCredentialCheck(target: SmokeTarget, tenantIndex: number): SmokeCheck {
  const tenant = target.tenants[tenantIndex]!;
  const api = createServerClient({ baseUrl: target.workerUrl, tenant: tenant.id, key: tenant.key });
  return {
    name: `signed-by-active-slot ${tenant.id}`,
    async run(signal) {
      const channel = tenant.channels[0];
      if (!channel) throw new CheckFailed(`tenant ${tenant.id} has no channel to call the API with`);
      const { token } = await api.dashboardToken({ signal });
      const withToken = createServerClient({ baseUrl: target.workerUrl, tenant: tenant.id, key: token });
      await withToken.streamStatus({ channel: channel.name }, { signal });
      return "the tenant key and a dashboard token signed with the active slot are accepted";
    },
  };
}

/** The deploy token the stack now holds, read again from its config, is Cloudflare's live one. */
function deployTokenCheck(target: SmokeTarget): SmokeCheck {
  return {
    name: "deploy-token",
    async run(signal) {
      if (!target.cloudflare) throw new CheckFailed("the stack's deploy token is not at hand to check");
      return deployTokenWorks(target.cloudflare, signal);
    },
  };
}

/**
 * The Worker accepts a live-input notification signed with the active slot's secret, the one the
 * destination now sends in `cf-webhook-auth` (docs/reference/rotation-credentials.md §2): one for a
 * live input the stack does not have, so that it changes nothing.
 */
function webhookSecretCheck(target: SmokeTarget, driver: StackDriver): SmokeCheck {
  return {
    name: "webhook-secret",
    async run(signal) {
      const { active } = (await driver.rotation()).webhookSecret;
      const key = `${CONFIG_NAMESPACE}:${SECRET_SLOT_KEYS.webhookSecret[active]}`;
      const secret = await driver.secret(key);
      if (!secret) throw new CheckFailed(`the stack has no ${key} to sign a notification with`);
      const answer = await postUnknownInputNotification(target.workerUrl, secret, signal);
      if (answer.outcome !== "unknown_live_input")
        throw new CheckFailed(
          `a notification for a live input the stack lacks was answered ${answer.outcome}`,
        );
      return `a notification signed with slot ${active}'s secret is accepted`;
    },
  };
}

/** The stack's probe key, derived with the active signing slot, is accepted by the probe route. */
function probeKeyCheck(target: SmokeTarget): SmokeCheck[] {
  const { probe } = target;
  if (!probe) return [];
  return [
    {
      name: "probe-key",
      async run(signal) {
        await primaryApi(target).probe(probe.key).probeStatus({ signal });
        return "the probe key derived with the active slot is accepted";
      },
    },
  ];
}

/**
 * What proves the Worker works with the credential just switched to: health, and the calls that use
 * that credential. Checks of other credentials stay out, so that an unrelated problem (a channel
 * disabled on purpose) does not roll back a rotation that worked.
 */
function verificationChecks(kind: RotationKind, target: SmokeTarget, driver: StackDriver): SmokeCheck[] {
  const api = primaryApi(target);
  const runId = smokeRunId();
  const specific: Record<RotationKind, () => SmokeCheck[]> = {
    turn: () => [turnCheck(api, { userId: runId })],
    sfu: () => [
      sfuCheck(api, {
        roomId: runId,
        userId: runId,
        ...(target.expectSfuAppId ? { expectAppId: target.expectSfuAppId } : {}),
      }),
    ],
    "api-token": () => [streamTokenCheck(target)],
    "tenant-keys": () => target.tenants.map((_, i) => tenantKeyCheck(target, i)),
    "playback-keys": () => [playbackKeyCheck(target)],
    "signing-secret": () => [
      ...target.tenants.map((_, i) => signedCredentialCheck(target, i)),
      ...probeKeyCheck(target),
    ],
    "webhook-secret": () => [webhookSecretCheck(target, driver)],
    "deploy-token": () => [deployTokenCheck(target)],
  };
  return [healthCheck(api, target), ...specific[kind]()];
}

export type Verifier = (kind: RotationKind, driver: StackDriver) => Promise<ChecksOutcome>;

/**
 * The media probe that proves a rotated credential carries media: a call relayed by TURN with the
 * new TURN key's credentials, a call through the new SFU app. Other kinds carry no media.
 */
const MEDIA_PROBES: Partial<Record<RotationKind, typeof NO_PROBES>> = {
  turn: { ...NO_PROBES, turn: true },
  sfu: { ...NO_PROBES, media: true },
};

/** A probe's result among the verification's checks: it passes or fails the verification alike. */
const asCheck = (p: ProbeResult): CheckResult => ({
  name: p.name,
  status: p.status === "failed" ? "failed" : "passed",
  attempts: 1,
  durationMs: p.durationMs,
  ...(p.error
    ? { error: p.error }
    : { detail: `${p.detail ?? p.status} (${describeLatencies(p.latencies)})` }),
});

export interface VerifierOptions {
  timeoutMs: number;
  /** Verify TURN and SFU rotations with the matching media probe (on unless the caller says not). */
  mediaProbes?: boolean;
  probeTimeoutMs?: number;
}

/** The post-switch check rotate runs, against the stack's outputs as they are after the switch. */
export function stackVerifier(options: VerifierOptions): Verifier {
  return async (kind, driver) => {
    const target = await targetOfStack(driver, {});
    const probes = options.mediaProbes === false ? undefined : MEDIA_PROBES[kind];
    const deadline = Date.now() + options.timeoutMs;
    await waitForWorker(target, deadline);
    const [outcome, probed] = await Promise.all([
      runChecks(verificationChecks(kind, target, driver), deadline, {}, silentProgress),
      probes
        ? runProbes(target, probes, { timeoutMs: options.probeTimeoutMs ?? PROBE_TIMEOUT_MS }, silentProgress)
        : [],
    ]);
    const checks = [...outcome.checks, ...probed.map(asCheck)];
    return { ...outcome, passed: checks.every((c) => c.status === "passed"), checks };
  };
}
