import * as pulumi from "@pulumi/pulumi";
import { ROUTE_TABLE } from "#contracts/api/route-table.ts";
import { deriveProbeKey } from "#contracts/probe-key.ts";
import { deriveTenantKey } from "#contracts/tenant-key.ts";
import { compactTenantMap, embedTenantMap } from "#contracts/worker/tenant-map.ts";
import { type Slot, type StackConfig, StackConfigError } from "./config.ts";
import type { PlaybackUrls } from "./playback.ts";
import type { LiveInputComputed } from "./providers/host/live-input.ts";
import {
  type ChannelLiveInput,
  channelOutputs,
  createLiveInput,
  createProbeLiveInput,
} from "./resources/live-inputs.ts";
import { createStatusNotifications } from "./resources/notifications.ts";
import { createPlaybackKeys } from "./resources/playback-keys.ts";
import { createRealtimeCredentials } from "./resources/realtime-credentials.ts";
import { createRestreamOutputs } from "./resources/restream-outputs.ts";
import type { SlotCredential, Slotted } from "./resources/slots.ts";
import { createWorker } from "./resources/worker.ts";
import { createWorkerApiTokens } from "./resources/worker-api-tokens.ts";
import { workerBindings } from "./worker-bindings.ts";
import type { WorkerBundle } from "./worker-bundle.ts";

export interface RealtimeStackArgs {
  /**
   * The stack's configuration, validated (`readStackConfig()` in infra/config.ts). Its secrets
   * are already Pulumi secrets.
   */
  config: StackConfig;
  /** The endpoint Worker's code (`buildWorkerBundle()` in infra/worker-bundle.ts). */
  workerBundle: WorkerBundle;
}

export interface ChannelOutputs {
  liveInputId: pulumi.Output<string>;
  ingest: ChannelLiveInput["ingest"];
  /** RTMPS stream key (secret). */
  streamKey: pulumi.Output<string>;
  /** SRT passphrase (secret). */
  srtPassphrase: pulumi.Output<string>;
  playback: pulumi.Output<PlaybackUrls>;
  /** A private channel (`playback: signed`): it plays only through a token the Worker signs. */
  signed: boolean;
  /** Each restream output's Cloudflare uid, by output name. */
  outputs: Record<string, pulumi.Output<string>>;
}

export interface TenantOutputs {
  /** The tenant's API key for the Worker, of the current generation (secret). */
  apiKey: pulumi.Output<string>;
  channels: Record<string, ChannelOutputs>;
}

/** The stack's probe input: its ingest details are secret as a whole. */
export interface ProbeOutputs {
  liveInputId: pulumi.Output<string>;
  /** The probe key (secret): reads the probe input's status from the Worker, nothing else. */
  apiKey: pulumi.Output<string>;
  /** `realtime-stack:probe.onDeploy`: deploy runs the probes. */
  onDeploy: boolean;
  ingest: pulumi.Output<Omit<LiveInputComputed, "uid" | "created" | "modified" | "whepUrl">>;
  playback: pulumi.Output<PlaybackUrls>;
}

export type SlotIds<K extends string> = { active: Slot } & Record<Slot, Record<K, pulumi.Output<string>>>;

/** docs/spec.md §4's stack outputs. */
export interface RealtimeStackOutputs {
  workerUrl: string;
  tenants: Record<string, TenantOutputs>;
  turnKeys: SlotIds<"keyId">;
  sfuApps: SlotIds<"appId">;
  workerApiTokens: SlotIds<"tokenId">;
  /**
   * The Stream signing keys of private channels' playback tokens, and the longest token the Worker
   * signs (seconds): how long a key switched away from still has tokens playing.
   */
  playbackKeys: SlotIds<"keyId"> & { tokenTtlMax: number };
  tenantKeyGeneration: number;
  /** Absent when `realtime-stack:probe.enabled` is false. */
  probe?: ProbeOutputs;
}

function slotIds<K extends string>(slots: Slotted<SlotCredential>, key: K): SlotIds<K> {
  const ids = (slot: SlotCredential) => ({ [key]: slot.id }) as Record<K, pulumi.Output<string>>;
  return { active: slots.activeSlot, a: ids(slots.a), b: ids(slots.b) };
}

/**
 * One environment of the realtime backend (docs/spec.md §4): a Stream live input per tenant channel, TURN
 * keys, SFU apps and the Worker's API tokens in two rotation slots each, the endpoint Worker wired
 * to the active slots, and optionally live-input notifications pushed to it.
 */
export class RealtimeStack extends pulumi.ComponentResource {
  readonly outputs: RealtimeStackOutputs;

  constructor(name: string, args: RealtimeStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super("realtime-stack:index:RealtimeStack", name, {}, opts);
    const parent = this;
    const { config, workerBundle } = args;
    const { accountId, rotation } = config;
    const stack = pulumi.getStack();
    const label = config.worker.scriptName;

    const { adopt } = config;
    checkAdoptions();
    const channels = createChannels();
    const restreamOutputs = createOutputs();
    const probeInput = config.probe.enabled ? createProbe() : undefined;
    const probe = probeInput?.outputs;
    const turnKeys = createRealtimeCredentials(
      "turn",
      name,
      { accountId, label, rotation: rotation.turn, adopt: adopt.turnKeys },
      { parent },
    );
    const sfuApps = createRealtimeCredentials(
      "sfu",
      name,
      { accountId, label, rotation: rotation.sfu, adopt: adopt.sfuApps },
      { parent },
    );
    const playbackKeys = createPlaybackKeys(name, { accountId, rotation: rotation.playbackKeys }, { parent });
    const apiTokens = createWorkerApiTokens(
      name,
      { accountId, label, rotation: rotation.apiToken },
      { parent },
    );
    const tenantApiKeys = deriveTenantApiKeys();
    const worker = createWorker(
      name,
      {
        accountId,
        worker: config.worker,
        mainModule: workerBundle.mainModule,
        content: workerScript(),
        assetsDirectory: workerBundle.assetsDirectory,
        bindings: createBindings(),
      },
      { parent },
    );
    if (config.notifications.enabled) createNotifications();

    this.outputs = {
      workerUrl: worker.url,
      tenants: tenantOutputs(),
      turnKeys: slotIds(turnKeys, "keyId"),
      sfuApps: slotIds(sfuApps, "appId"),
      workerApiTokens: slotIds(apiTokens, "tokenId"),
      playbackKeys: {
        ...slotIds(playbackKeys, "keyId"),
        tokenTtlMax: config.worker.playbackTokenTtl.max,
      },
      tenantKeyGeneration: rotation.tenantKeys.generation,
      ...(probe ? { probe } : {}),
    };
    this.registerOutputs(this.outputs);

    /** An adoption that names no declared channel would silently create a new input instead. */
    function checkAdoptions() {
      const declared = new Set(config.tenants.flatMap((t) => t.channels.map((c) => `${t.id}/${c.name}`)));
      if (config.probe.enabled) declared.add("probe");
      const unknown = Object.keys(adopt.liveInputs).filter((k) => !declared.has(k));
      if (unknown.length > 0) {
        throw new StackConfigError(
          unknown.map(
            (k) => `realtime-stack:adopt.liveInputs.${k}: no such channel (or the probe is disabled)`,
          ),
        );
      }
    }

    /** The probe's published outputs, and where Stream delivers it (the tenant map checks it is the account's). */
    function createProbe(): { outputs: ProbeOutputs; playbackBase: pulumi.Output<string> } {
      const input = createProbeLiveInput(
        name,
        { accountId, stack, ...(adopt.liveInputs.probe ? { adoptUid: adopt.liveInputs.probe } : {}) },
        { parent },
      );
      const published = channelOutputs(input);
      const outputs: ProbeOutputs = {
        liveInputId: published.liveInputId,
        apiKey: config.signing.active.apply((secret) =>
          deriveProbeKey(secret, stack, rotation.tenantKeys.generation),
        ),
        onDeploy: config.probe.onDeploy,
        ingest: pulumi.secret(
          pulumi.output({
            rtmpsUrl: published.ingest.rtmpsUrl,
            streamKey: published.streamKey,
            srtUrl: published.ingest.srtUrl,
            srtStreamId: published.ingest.srtStreamId,
            srtPassphrase: published.srtPassphrase,
            whipUrl: published.ingest.whipUrl,
          }),
        ),
        playback: published.playback,
      };
      return { outputs, playbackBase: published.playbackBase };
    }

    function createChannels(): Map<string, Map<string, ChannelLiveInput>> {
      return new Map(
        config.tenants.map((tenant) => [
          tenant.id,
          new Map(
            tenant.channels.map((channel) => [
              channel.name,
              createLiveInput(
                name,
                {
                  accountId,
                  stack,
                  tenantId: tenant.id,
                  channel,
                  ...(adopt.liveInputs[`${tenant.id}/${channel.name}`]
                    ? { adoptUid: adopt.liveInputs[`${tenant.id}/${channel.name}`] }
                    : {}),
                },
                { parent },
              ),
            ]),
          ),
        ]),
      );
    }

    /** Each channel's restream outputs: uids by output name, by `<tenant>/<channel>`. */
    function createOutputs(): Map<string, Record<string, pulumi.Output<string>>> {
      return new Map(
        config.tenants.flatMap((tenant) =>
          tenant.channels.map((channel) => [
            `${tenant.id}/${channel.name}`,
            createRestreamOutputs(
              name,
              {
                accountId,
                tenantId: tenant.id,
                channel: channel.name,
                liveInputId: channels.get(tenant.id)!.get(channel.name)!.liveInputId,
                outputs: channel.outputs,
                streamKeys: config.outputStreamKeys,
              },
              { parent },
            ),
          ]),
        ),
      );
    }

    function deriveTenantApiKeys(): Map<string, pulumi.Output<string>> {
      const generation = rotation.tenantKeys.generation;
      return new Map(
        config.tenants.map((t) => [
          t.id,
          config.signing.active.apply((secret) => deriveTenantKey(secret, t.id, generation)),
        ]),
      );
    }

    /**
     * The Worker's script with the tenant map compiled in, once the live inputs' ids are known: the
     * map outgrows Cloudflare's 5 KB per binding at ten tenants, and in the script it changes with
     * the Worker's version. `embedTenantMap` checks it against the Worker's own schema first.
     */
    function workerScript(): pulumi.Output<string> {
      const declared = config.tenants.map((t) => ({
        id: t.id,
        allowedOrigins: t.allowedOrigins,
        limits: t.limits,
        signed: t.channels.filter((c) => c.playback === "signed").map((c) => c.name),
        channels: t.channels.map((channel) => {
          const live = channels.get(t.id)!.get(channel.name)!;
          return {
            name: channel.name,
            liveInputId: live.liveInputId,
            playbackBase: live.playbackBase,
            // What the stack declares, never a stream key: the Worker shows it without an API call.
            outputs: channel.outputs.map(({ name, url, enabled }) => ({ name, url, enabled })),
          };
        }),
      }));
      return pulumi
        .output({ declared, probeBase: probeInput?.playbackBase })
        .apply(({ declared, probeBase }) =>
          embedTenantMap(
            workerBundle.content,
            compactTenantMap(declared, config.worker.cloudflareApiPer5Minutes, probeBase ? [probeBase] : []),
          ),
        );
    }

    /**
     * Only the active slot of each Cloudflare credential reaches the Worker; the other is the
     * rollback target. The signing and webhook secrets are the Worker's own to check, so it gets the
     * other slot too, to verify with only: what the previous secret made stays valid for a rotation.
     */
    function createBindings() {
      const ttl = config.worker.credentialTtl;
      return workerBindings({
        plain: {
          ACCOUNT_ID: accountId,
          STACK: stack,
          VERSION: workerBundle.version,
          TURN_KEY_ID: turnKeys.active.id,
          SFU_APP_ID: sfuApps.active.id,
          TENANT_KEY_GENERATION: String(rotation.tenantKeys.generation),
          PLAYBACK_KEY_ID: playbackKeys.active.id,
          PLAYBACK_TOKEN_TTL_DEFAULT: String(config.worker.playbackTokenTtl.default),
          PLAYBACK_TOKEN_TTL_MAX: String(config.worker.playbackTokenTtl.max),
          CREDENTIAL_TTL_DEFAULT: String(ttl.default),
          CREDENTIAL_TTL_MAX: String(ttl.max),
          CF_API_BASE: config.apiBase,
          REALTIME_API_BASE: config.realtimeApiBase,
          PROBE_LIVE_INPUT_ID: probe?.liveInputId ?? "",
          WORKERS_PLAN: config.worker.plan,
        },
        secret: {
          TURN_KEY_SECRET: turnKeys.active.secret,
          SFU_APP_SECRET: sfuApps.active.secret,
          STREAM_API_TOKEN: apiTokens.active.secret,
          PLAYBACK_KEY_JWK: playbackKeys.active.secret,
          SIGNING_SECRET: config.signing.active,
          ...(config.signing.fallback ? { SIGNING_SECRET_FALLBACK: config.signing.fallback } : {}),
          WEBHOOK_SECRET: config.webhook.active,
          ...(config.webhook.fallback ? { WEBHOOK_SECRET_FALLBACK: config.webhook.fallback } : {}),
        },
      });
    }

    function createNotifications() {
      createStatusNotifications(
        name,
        {
          accountId,
          label,
          url: `${worker.url}${ROUTE_TABLE.streamWebhook.path}`,
          secret: config.webhook.active,
          // The probe input's changes reach the Worker the way a channel's do: the path it proves.
          liveInputIds: [
            ...[...channels.values()].flatMap((byName) => [...byName.values()].map((l) => l.liveInputId)),
            ...(probe ? [probe.liveInputId] : []),
          ],
        },
        { parent, dependsOn: worker.serving },
      );
    }

    function tenantOutputs(): Record<string, TenantOutputs> {
      return Object.fromEntries(
        config.tenants.map((t) => [
          t.id,
          {
            apiKey: tenantApiKeys.get(t.id)!,
            channels: Object.fromEntries(
              [...channels.get(t.id)!].map(([channel, live]) => [
                channel,
                {
                  liveInputId: live.liveInputId,
                  ingest: live.ingest,
                  streamKey: live.streamKey,
                  srtPassphrase: live.srtPassphrase,
                  playback: live.playback,
                  signed: t.channels.find((c) => c.name === channel)!.playback === "signed",
                  outputs: restreamOutputs.get(`${t.id}/${channel}`)!,
                },
              ]),
            ),
          },
        ]),
      );
    }
  }
}
