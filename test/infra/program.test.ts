import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { deriveTenantKey } from "#contracts/tenant-key.ts";
import { PLAIN_BINDINGS, SECRET_BINDINGS } from "#contracts/worker/bindings.ts";
import { embedTenantMap, type TenantMap, tenantMap } from "#contracts/worker/tenant-map.ts";
import { StackConfigError } from "#infra/config.ts";
import {
  ACCOUNT_TOKEN,
  NOTIFICATION_POLICY,
  NOTIFICATION_POLICY_WEBHOOKS,
  PERMISSION_GROUPS_LIST,
  REALTIME_SFU_APP,
  REALTIME_TURN_KEY,
  STREAM_LIVE_INPUT,
  STREAM_LIVE_INPUT_OUTPUT,
  STREAM_SIGNING_KEY,
  WORKERS_SCRIPT,
} from "#infra/type-tokens.ts";
import { renderWorkerAssets } from "#infra/worker-assets.ts";
import { buildWorkerBundle } from "#infra/worker-bundle.ts";
import { DURABLE_OBJECT_MIGRATIONS, DURABLE_OBJECTS } from "#infra/worker-settings.ts";
import { isWrappedSecret, unwrapSecrets } from "#local-engine/secret-wire.ts";
import { type Evaluation, evaluateProgram, PROJECT, resolve } from "./evaluate.ts";
import { FakeCloudflare, type Registration } from "./fake-cloudflare.ts";
import { asPulumiConfig, devStackValues, scaledStackValues, withValue } from "./stack-config.ts";

const evaluate = (values: Record<string, unknown>, fake?: FakeCloudflare) =>
  evaluateProgram(asPulumiConfig(values), fake);

type Binding = { type: string; name: string; text?: string; className?: string };

function workerBindings(run: Evaluation): Map<string, Binding> {
  const bindings = unwrapSecrets(run.fake.named("realtime-worker").inputs.bindings) as Binding[];
  return new Map(bindings.map((b) => [b.name, b]));
}

const created = (run: Evaluation, name: string) => run.fake.created.get(name)!;

/** Registrations by `type name`, inputs with secrets unwrapped: what two runs can be compared on. */
function graph(run: Evaluation): Map<string, unknown> {
  return new Map(run.fake.registrations.map((r) => [`${r.type} ${r.name}`, unwrapSecrets(r.inputs)]));
}

/** Every string in `value` that is not inside a secret wrapper. */
function plainStrings(value: unknown): string[] {
  if (isWrappedSecret(value)) return [];
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(plainStrings);
  if (value && typeof value === "object") return Object.values(value).flatMap(plainStrings);
  return [];
}

describe("the Pulumi program, two tenants from Pulumi.dev.yaml", () => {
  it("declares one live input per tenant channel, its meta naming stack, tenant and channel", async () => {
    const run = await evaluate(devStackValues());
    const inputs = run.fake.byType(STREAM_LIVE_INPUT).filter((r) => r.name.includes("/"));
    expect(inputs.map((r) => r.name).sort()).toEqual([
      "realtime-live-acme/backstage",
      "realtime-live-acme/main-stage",
      "realtime-live-globex/live",
    ]);
    const main = run.fake.named("realtime-live-acme/main-stage").inputs;
    expect(main.meta).toEqual({
      name: "dev/acme/main-stage",
      stack: "dev",
      tenant: "acme",
      channel: "main-stage",
    });
    expect(main).toMatchObject({ recording: { mode: "automatic" }, preferLowLatency: true, enabled: true });
    expect(run.fake.named("realtime-live-acme/backstage").inputs).toMatchObject({
      recording: { mode: "off" },
      preferLowLatency: false,
    });
  });

  it("declares both slots of every credential kind, each named with its generation", async () => {
    const run = await evaluate(devStackValues());
    const names = (type: string) => run.fake.byType(type).map((r) => r.name);
    expect(names(REALTIME_TURN_KEY)).toEqual(["realtime-turn-a-g1", "realtime-turn-b-g1"]);
    expect(names(REALTIME_SFU_APP)).toEqual(["realtime-sfu-a-g1", "realtime-sfu-b-g1"]);
    expect(names(ACCOUNT_TOKEN)).toEqual(["realtime-api-token-a-g1", "realtime-api-token-b-g1"]);
    expect(run.fake.named("realtime-turn-a-g1").inputs).toMatchObject({
      name: "realtime-stack-dev-turn-a-g1",
    });
  });

  it("gives the Worker's tokens Stream Read and Write on this account only, groups looked up by name", async () => {
    const values = devStackValues();
    const run = await evaluate(values);
    const accountId = values[`${PROJECT}:accountId`] as string;
    const lookups = run.fake.invokes.filter((i) => i.token === PERMISSION_GROUPS_LIST);
    expect(lookups).toEqual([expect.objectContaining({ inputs: expect.objectContaining({ accountId }) })]);
    const streamGroups = FakeCloudflare.permissionGroups
      .filter((g) => g.name.startsWith("Stream "))
      .map((g) => ({ id: g.id }));
    for (const token of run.fake.byType(ACCOUNT_TOKEN)) {
      expect(token.inputs.policies).toEqual([
        {
          effect: "allow",
          permissionGroups: streamGroups,
          resources: JSON.stringify({ [`com.cloudflare.api.account.${accountId}`]: "*" }),
        },
      ]);
    }
  });

  it("binds every contract binding and the Durable Objects, and compiles the tenant map into the script", async () => {
    const run = await evaluate(devStackValues());
    const bindings = workerBindings(run);
    expect(bindings.has("TENANTS")).toBe(false);
    expect(bindings.get("WORKERS_PLAN")?.text).toBe("paid");
    for (const name of PLAIN_BINDINGS) expect(bindings.get(name)?.type, name).toBe("plain_text");
    // The second slot of the signing and webhook secrets is bound once a rotation has filled it.
    const unfilled = ["SIGNING_SECRET_FALLBACK", "WEBHOOK_SECRET_FALLBACK"];
    for (const name of SECRET_BINDINGS)
      expect(bindings.get(name)?.type, name).toBe(unfilled.includes(name) ? undefined : "secret_text");
    for (const d of DURABLE_OBJECTS) {
      expect(bindings.get(d.binding)).toEqual({
        type: "durable_object_namespace",
        name: d.binding,
        className: d.className,
      });
    }
    // The map as the Worker reads it: the delivery host once, only what differs from the defaults.
    const uid = (name: string) => created(run, `realtime-live-${name}`).uid as string;
    const map = {
      playbackBase: "https://customer-fake.stream.test",
      cloudflareApiPer5Minutes: 1_140,
      tenants: {
        acme: {
          channels: { "main-stage": uid("acme/main-stage"), backstage: uid("acme/backstage") },
          allowedOrigins: ["https://app.acme.example", "http://localhost:5173"],
          limits: {
            credentialsPerMinute: 600,
            credentialsPerUserPerMinute: 30,
            cloudflareApiPer5Minutes: 600,
          },
        },
        globex: {
          channels: { live: uid("globex/live") },
          allowedOrigins: ["https://studio.globex.example"],
        },
      },
    };
    const { content } = run.fake.named("realtime-worker").inputs;
    const bundle = await buildWorkerBundle();
    expect(content).toBe(embedTenantMap(bundle.content, map));
    // The dashboard's files and the OpenAPI document go up as the script's static assets, built with it.
    const assets = await renderWorkerAssets(bundle.version);
    for (const [path, asset] of assets)
      expect(readFileSync(join(bundle.assetsDirectory, path), "utf8")).toBe(asset);
    expect(run.fake.named("realtime-worker").inputs).toMatchObject({
      scriptName: "realtime-stack-dev",
      mainModule: "index.js",
      assets: {
        directory: bundle.assetsDirectory,
        config: { runWorkerFirst: ["/healthz", "/api/*", "!/api/openapi.json"] },
      },
      migrations: {
        newTag: DURABLE_OBJECT_MIGRATIONS.at(-1)!.tag,
        // A new script: one step creating the classes the history leaves (infra/worker-migrations.ts).
        steps: [{ newSqliteClasses: ["ChannelStatus", "TenantBudget", "Room"] }],
      },
    });
    expect(run.fake.named("realtime-worker-cron").inputs).toMatchObject({
      schedules: [{ cron: "* * * * *" }],
    });
  });

  it("sends no Durable Object migration when the deployed script is already at the latest tag", async () => {
    const fake = new FakeCloudflare();
    fake.deployedScripts.set("realtime-stack-dev", DURABLE_OBJECT_MIGRATIONS.at(-1)!.tag);
    const run = await evaluate(devStackValues(), fake);
    expect(run.fake.named("realtime-worker").inputs.migrations).toBeUndefined();
  });

  it("upgrades a script deployed at v2 by renaming the limiter class, keeping its objects", async () => {
    const fake = new FakeCloudflare();
    fake.deployedScripts.set("realtime-stack-dev", "v2");
    const run = await evaluate(devStackValues(), fake);
    expect(run.fake.named("realtime-worker").inputs.migrations).toEqual({
      oldTag: "v2",
      newTag: "v3",
      steps: [{ renamedClasses: [{ from: "RateLimiter", to: "TenantBudget" }] }],
    });
  });

  it("wires only the active slot's ids and secrets into the Worker", async () => {
    let values = devStackValues();
    values = withValue(values, "rotation", ["turn", "active"], "b");
    values = withValue(values, "rotation", ["apiToken", "active"], "b");
    const run = await evaluate(values);
    const bindings = workerBindings(run);
    const text = (name: string) => bindings.get(name)?.text;
    expect(text("TURN_KEY_ID")).toBe(created(run, "realtime-turn-b-g1").uid);
    expect(text("TURN_KEY_SECRET")).toBe(created(run, "realtime-turn-b-g1").key);
    expect(text("SFU_APP_ID")).toBe(created(run, "realtime-sfu-a-g1").uid);
    expect(text("SFU_APP_SECRET")).toBe(created(run, "realtime-sfu-a-g1").secret);
    expect(text("STREAM_API_TOKEN")).toBe(created(run, "realtime-api-token-b-g1").value);
    const workerInputs = JSON.stringify(unwrapSecrets(run.fake.named("realtime-worker").inputs));
    const inactive = [
      created(run, "realtime-turn-a-g1").uid,
      created(run, "realtime-turn-a-g1").key,
      created(run, "realtime-sfu-b-g1").uid,
      created(run, "realtime-sfu-b-g1").secret,
      created(run, "realtime-api-token-a-g1").value,
    ];
    for (const value of inactive) expect(workerInputs).not.toContain(value);
  });

  it("keeps every secret a Pulumi secret, in the stack outputs and on the way to the engine", async () => {
    const values = devStackValues();
    const run = await evaluate(values);
    const acme = run.outputs.tenants.acme!;
    const channel = acme.channels["main-stage"]!;
    for (const secret of [acme.apiKey, channel.streamKey, channel.srtPassphrase, channel.ingest.whipUrl]) {
      expect(await pulumi.isSecret(secret)).toBe(true);
    }
    for (const plain of [
      channel.liveInputId,
      channel.playback,
      channel.ingest.rtmpsUrl,
    ] as pulumi.Output<unknown>[]) {
      expect(await pulumi.isSecret(plain)).toBe(false);
    }
    expect(await pulumi.isSecret(run.outputs.turnKeys.a.keyId)).toBe(false);

    const secrets = [
      values[`${PROJECT}:signingSecret`] as string,
      values[`${PROJECT}:webhookSecret`] as string,
      ...[...run.fake.created.values()].flatMap((state) =>
        [
          state.key,
          state.secret,
          state.value,
          state.streamKey,
          state.srtPassphrase,
          state.jwk,
          state.pem,
        ].filter((s): s is string => typeof s === "string"),
      ),
    ];
    const exposed = run.fake.registrations.flatMap((r: Registration) => plainStrings(r.inputs));
    for (const secret of secrets) expect(exposed.some((s) => s.includes(secret))).toBe(false);
  });

  it("outputs the Worker URL, per-tenant API keys, and each channel's live input, ingest and playback", async () => {
    const values = devStackValues();
    const run = await evaluate(values);
    const outputs = await resolve(run.outputs);
    const live = created(run, "realtime-live-acme/main-stage");
    expect(outputs.workerUrl).toBe("https://realtime-stack-dev.my-account.workers.dev");
    const acme = outputs.tenants.acme!;
    expect(acme.apiKey).toBe(await deriveTenantKey(values[`${PROJECT}:signingSecret`] as string, "acme", 1));
    expect(acme.channels["main-stage"]).toEqual({
      liveInputId: live.uid,
      ingest: {
        rtmpsUrl: "rtmps://live.stream.test:443/live/",
        srtUrl: "srt://live.stream.test:778",
        srtStreamId: live.srtStreamId,
        whipUrl: live.whipUrl,
      },
      streamKey: live.streamKey,
      srtPassphrase: live.srtPassphrase,
      playback: {
        hls: `https://customer-fake.stream.test/${live.uid}/manifest/video.m3u8`,
        dash: `https://customer-fake.stream.test/${live.uid}/manifest/video.mpd`,
        whep: `https://customer-fake.stream.test/${live.uid}/webRTC/play`,
      },
      signed: false,
      outputs: {},
    });
    expect(outputs.turnKeys).toEqual({
      active: "a",
      a: { keyId: created(run, "realtime-turn-a-g1").uid },
      b: { keyId: created(run, "realtime-turn-b-g1").uid },
    });
    expect(outputs.tenantKeyGeneration).toBe(1);
  });
});

describe("restream outputs", () => {
  it("declares an output per configured target, its stream key a secret, and compiles url and enabled into the map without the key", async () => {
    const streamKey = randomBytes(24).toString("hex");
    const values = withValue(
      devStackValues(),
      "tenants",
      ["0", "channels", "0", "outputs"],
      [
        { name: "youtube", url: "rtmps://a.rtmps.youtube.com/live2" },
        { name: "backup", url: "srt://srt.example.com:9000?passphrase=not-shown", enabled: false },
      ],
    );
    values[`${PROJECT}:outputStreamKeys`] = {
      "acme/main-stage/youtube": streamKey,
      "acme/main-stage/backup": `${streamKey}-b`,
    };
    const run = await evaluate(values);
    const live = created(run, "realtime-live-acme/main-stage");
    const outputs = run.fake.byType(STREAM_LIVE_INPUT_OUTPUT);
    expect(outputs.map((r) => r.name).sort()).toEqual([
      "realtime-output-acme/main-stage/backup",
      "realtime-output-acme/main-stage/youtube",
    ]);
    const youtube = run.fake.named("realtime-output-acme/main-stage/youtube").inputs;
    expect(isWrappedSecret(youtube.streamKey)).toBe(true);
    expect(unwrapSecrets(youtube)).toMatchObject({
      liveInputId: live.uid,
      url: "rtmps://a.rtmps.youtube.com/live2",
      streamKey,
      enabled: true,
    });
    for (const r of run.fake.registrations)
      expect(plainStrings(r.inputs).join("\n")).not.toContain(streamKey);

    const script = run.fake.named("realtime-worker").inputs.content as string;
    expect(embeddedMap(script).tenants.acme?.outputs).toEqual({
      "main-stage": [
        { name: "youtube", url: "rtmps://a.rtmps.youtube.com/live2" },
        { name: "backup", url: "srt://srt.example.com:9000", enabled: false },
      ],
    });
    expect(script).not.toContain(streamKey);
    expect(script).not.toContain("not-shown");
    expect(embeddedMap(script).tenants.globex?.outputs).toBeUndefined();
    const stackOutputs = await resolve(run.outputs);
    expect(Object.keys(stackOutputs.tenants.acme!.channels["main-stage"]!.outputs).sort()).toEqual([
      "backup",
      "youtube",
    ]);
  });
});

/** The tenant map a script carries: the JSON string literal `embedTenantMap` put in. */
function embeddedMap(script: string): TenantMap {
  const start = script.indexOf('"{\\"playbackBase\\"');
  expect(start).toBeGreaterThan(-1);
  let end = start + 1;
  while (script[end] !== '"') end += script[end] === "\\" ? 2 : 1;
  return tenantMap.parse(JSON.parse(JSON.parse(script.slice(start, end + 1))));
}

/**
 * 1,000 tenants, the scale issue 17 asks for: past 500 each tenant's TURN share is metered per
 * minute (contracts/worker/upstream-shares.ts). The tenant map alone would pass the old 5 KB
 * binding at 9 tenants.
 */
describe("the Pulumi program at 1,000 tenants of 3 channels", () => {
  it("binds nothing over Cloudflare's 5 KB per variable, the whole map being in the script", async () => {
    const run = await evaluate(scaledStackValues(1_000, 3));
    // developers.cloudflare.com/workers/platform/limits/: "Environment variable size: 5 KB".
    for (const binding of workerBindings(run).values()) {
      expect(Buffer.byteLength(binding.text ?? ""), binding.name).toBeLessThan(5_000);
    }
    const map = embeddedMap(run.fake.named("realtime-worker").inputs.content as string);
    expect(Object.keys(map.tenants)).toHaveLength(1_000);
    expect(map.tenants["tenant-999"]?.channels["channel-2"]).toBe(
      created(run, "realtime-live-tenant-999/channel-2").uid,
    );
    expect(map.tenants["tenant-0"]?.allowedOrigins).toEqual(["https://tenant-0.example"]);
  }, 300_000);
});

describe("viewer counts", () => {
  it("a channel that hides its viewer count sets it on its live input; the others leave it shown", async () => {
    const run = await evaluate(
      withValue(devStackValues(), "tenants", ["0", "channels", "0", "hideLiveViewerCount"], true),
    );
    expect(run.fake.named("realtime-live-acme/main-stage").inputs).toMatchObject({
      recording: { hideLiveViewerCount: true },
    });
    expect(run.fake.named("realtime-live-globex/live").inputs).toMatchObject({
      recording: { hideLiveViewerCount: false },
    });
  });
});

describe("private channels", () => {
  const withPrivateMainStage = () =>
    withValue(devStackValues(), "tenants", ["0", "channels", "0", "playback"], "signed");

  it("a signed channel's live input requires signed URLs; a public one's does not", async () => {
    const run = await evaluate(withPrivateMainStage());
    expect(run.fake.named("realtime-live-acme/main-stage").inputs).toMatchObject({
      recording: { mode: "automatic", requireSignedURLs: true },
    });
    expect(run.fake.named("realtime-live-globex/live").inputs).toMatchObject({
      recording: { requireSignedURLs: false },
    });
    const map = embeddedMap(run.fake.named("realtime-worker").inputs.content as string);
    expect(map.tenants.acme?.signed).toEqual(["main-stage"]);
    expect(map.tenants.globex).not.toHaveProperty("signed");
    // The outputs say so too, so that the playback key's check asks the private channels only.
    const { tenants } = await resolve(run.outputs);
    const signed = Object.entries(tenants).flatMap(([tenant, { channels }]) =>
      Object.entries(channels).map(([channel, { signed }]) => `${tenant}/${channel}:${signed}`),
    );
    expect(signed).toContain("acme/main-stage:true");
    expect(signed.filter((s) => s.endsWith(":true"))).toEqual(["acme/main-stage:true"]);
    expect(signed.length).toBeGreaterThan(1);
  });

  it("declares two playback key slots; the active one's id and jwk (secret, under 5 KB) reach the Worker", async () => {
    const values = withValue(withPrivateMainStage(), "rotation", ["playbackKeys", "active"], "b");
    const run = await evaluate(values);
    expect(run.fake.byType(STREAM_SIGNING_KEY).map((r) => r.name)).toEqual([
      "realtime-playback-key-a-g1",
      "realtime-playback-key-b-g1",
    ]);
    const active = created(run, "realtime-playback-key-b-g1");
    const bindings = workerBindings(run);
    expect(bindings.get("PLAYBACK_KEY_ID")?.text).toBe(active.keyId);
    expect(bindings.get("PLAYBACK_KEY_JWK")).toMatchObject({ type: "secret_text", text: active.jwk });
    // developers.cloudflare.com/workers/platform/limits/: "Environment variable size: 5 KB".
    expect(Buffer.byteLength(active.jwk as string)).toBeGreaterThan(2_000);
    expect(Buffer.byteLength(active.jwk as string)).toBeLessThan(5_000);
    expect(bindings.get("PLAYBACK_TOKEN_TTL_DEFAULT")?.text).toBe("3600");
    expect(bindings.get("PLAYBACK_TOKEN_TTL_MAX")?.text).toBe("86400");
    expect(JSON.stringify(unwrapSecrets(run.fake.named("realtime-worker").inputs))).not.toContain(
      created(run, "realtime-playback-key-a-g1").jwk as string,
    );
  });

  it("refuses a playback token TTL beyond Cloudflare's 24 hours or a default above the max", async () => {
    const tooLong = withValue(devStackValues(), "worker", ["playbackTokenTtl"], { max: 86_401 });
    await expect(evaluate(tooLong)).rejects.toThrow(
      "realtime-stack:worker.playbackTokenTtl.max: Too big: expected number to be <=86400",
    );
    const inverted = withValue(devStackValues(), "worker", ["playbackTokenTtl"], { default: 600, max: 300 });
    await expect(evaluate(inverted)).rejects.toThrow(
      "realtime-stack:worker.playbackTokenTtl.default: default must not exceed max",
    );
  });
});

describe("rotation through config", () => {
  it("switching the active slot changes the Worker's bindings and nothing else", async () => {
    const values = devStackValues();
    const before = await evaluate(values);
    const after = await evaluate(withValue(values, "rotation", ["sfu", "active"], "b"));
    const [g1, g2] = [graph(before), graph(after)];
    expect([...g2.keys()]).toEqual([...g1.keys()]);
    const changed = [...g1.keys()].filter((k) => JSON.stringify(g1.get(k)) !== JSON.stringify(g2.get(k)));
    expect(changed).toEqual([`${WORKERS_SCRIPT} realtime-worker`]);
    const [b1, b2] = [workerBindings(before), workerBindings(after)];
    const changedBindings = [...b1.keys()].filter(
      (k) => JSON.stringify(b1.get(k)) !== JSON.stringify(b2.get(k)),
    );
    expect(changedBindings).toEqual(["SFU_APP_ID", "SFU_APP_SECRET"]);
  });

  it("bumping a slot's generation renames that slot only", async () => {
    const values = devStackValues();
    const before = graph(await evaluate(values));
    const after = graph(await evaluate(withValue(values, "rotation", ["turn", "generations", "b"], 2)));
    const gone = [...before.keys()].filter((k) => !after.has(k));
    const added = [...after.keys()].filter((k) => !before.has(k));
    expect(gone).toEqual([`${REALTIME_TURN_KEY} realtime-turn-b-g1`]);
    expect(added).toEqual([`${REALTIME_TURN_KEY} realtime-turn-b-g2`]);
    // Slot a is active, so not even the Worker changes.
    for (const [key, inputs] of after) {
      if (before.has(key)) expect(JSON.stringify(inputs), key).toBe(JSON.stringify(before.get(key)));
    }
  });

  it("bumping the tenant key generation changes the keys and the Worker's generation binding", async () => {
    const values = devStackValues();
    const run = await evaluate(withValue(values, "rotation", ["tenantKeys", "generation"], 5));
    expect(workerBindings(run).get("TENANT_KEY_GENERATION")?.text).toBe("5");
    const apiKey = await resolve(run.outputs.tenants.globex!.apiKey);
    expect(apiKey).toBe(await deriveTenantKey(values[`${PROJECT}:signingSecret`] as string, "globex", 5));
  });

  it("signing slot b active: keys derived with it, the Worker signs with it and still verifies with slot a", async () => {
    const values = devStackValues();
    const slotB = randomBytes(32).toString("base64url");
    const run = await evaluate(
      withValue({ ...values, [`${PROJECT}:signingSecretB`]: slotB }, "rotation", ["signingSecret"], {
        active: "b",
        generations: { a: 1, b: 2 },
      }),
    );
    const bindings = workerBindings(run);
    expect(bindings.get("SIGNING_SECRET")?.text).toBe(slotB);
    expect(bindings.get("SIGNING_SECRET_FALLBACK")?.text).toBe(values[`${PROJECT}:signingSecret`]);
    const apiKey = await resolve(run.outputs.tenants.globex!.apiKey);
    expect(apiKey).toBe(await deriveTenantKey(slotB, "globex", 1));
  });
});

describe("optional parts", () => {
  it("declares the stack's probe live input by default: recorded, kept 30 days, its ingest secret", async () => {
    const run = await evaluate(devStackValues());
    expect(run.fake.named("realtime-probe-live").inputs).toMatchObject({
      meta: { name: "dev/probe", stack: "dev", probe: true },
      enabled: true,
      recording: { mode: "automatic" },
      deleteRecordingAfterDays: 30,
    });
    const probe = run.outputs.probe!;
    expect(await pulumi.isSecret(probe.ingest)).toBe(true);
    expect(await pulumi.isSecret(probe.liveInputId)).toBe(false);
    const live = created(run, "realtime-probe-live");
    expect(await resolve(probe.ingest)).toEqual({
      rtmpsUrl: live.rtmpsUrl,
      streamKey: live.streamKey,
      srtUrl: live.srtUrl,
      srtStreamId: live.srtStreamId,
      srtPassphrase: live.srtPassphrase,
      whipUrl: live.whipUrl,
    });
    expect((await resolve(probe.playback)).hls).toBe(
      `https://customer-fake.stream.test/${live.uid}/manifest/video.m3u8`,
    );
  });

  it("declares no probe when realtime-stack:probe.enabled is false", async () => {
    const run = await evaluate({ ...devStackValues(), [`${PROJECT}:probe`]: { enabled: false } });
    expect(run.fake.registrations.filter((r) => r.name === "realtime-probe-live")).toEqual([]);
    expect(run.outputs.probe).toBeUndefined();
  });

  it("adopts existing objects by uid through the adopt input, TURN and SFU secrets kept secret", async () => {
    const uid = "0123456789abcdef0123456789abcdef";
    const secret = "adopted-turn-secret-0123456789abcdef";
    const sfuSecret = "adopted-sfu-secret-0123456789abcdef";
    const run = await evaluate({
      ...devStackValues(),
      [`${PROJECT}:adopt`]: {
        liveInputs: { "acme/main-stage": uid },
        turnKeys: { b: { uid, secret } },
        sfuApps: { a: { uid, secret: sfuSecret } },
      },
    });
    expect(run.fake.named("realtime-live-acme/main-stage").inputs.adopt).toEqual({ uid });
    const adopt = run.fake.named("realtime-turn-b-g1").inputs.adopt;
    expect(isWrappedSecret(adopt)).toBe(true);
    expect(unwrapSecrets(adopt)).toEqual({ uid, secret });
    expect(run.fake.named("realtime-turn-a-g1").inputs.adopt).toBeUndefined();
    const sfuAdopt = run.fake.named("realtime-sfu-a-g1").inputs.adopt;
    expect(isWrappedSecret(sfuAdopt)).toBe(true);
    expect(unwrapSecrets(sfuAdopt)).toEqual({ uid, secret: sfuSecret });
    expect(run.fake.named("realtime-sfu-b-g1").inputs.adopt).toBeUndefined();
  });

  it("adopts a TURN key or SFU app as one generation only, so that rotating the slot makes a new one", async () => {
    const uid = "0123456789abcdef0123456789abcdef";
    const adopt = { turnKeys: { b: { uid, secret: "adopted-turn-secret-0123456789abcdef" } } };
    const rotated = await evaluate({
      ...devStackValues(),
      [`${PROJECT}:adopt`]: adopt,
      [`${PROJECT}:rotation`]: { turn: { active: "b", generations: { a: 1, b: 2 } } },
    });
    // Generation 2 is a new key. Had it adopted the same uid, deleting generation 1 (which this
    // run no longer declares) would delete the key that generation 2 holds.
    expect(rotated.fake.named("realtime-turn-b-g2").inputs.adopt).toBeUndefined();
    await expect(
      evaluate({
        ...devStackValues(),
        [`${PROJECT}:adopt`]: { turnKeys: { b: { ...adopt.turnKeys.b, generation: 3 } } },
      }),
    ).rejects.toThrow(
      "realtime-stack:adopt.turnKeys.b.generation: it is for generation 3, but slot b is at generation 1",
    );
  });

  it("refuses to adopt for a channel the stack does not declare", async () => {
    const values = {
      ...devStackValues(),
      [`${PROJECT}:adopt`]: { liveInputs: { "acme/nope": "0123456789abcdef0123456789abcdef" } },
    };
    await expect(evaluate(values)).rejects.toThrow(
      "realtime-stack:adopt.liveInputs.acme/nope: no such channel",
    );
  });

  it("registers no notification resources unless enabled", async () => {
    const run = await evaluate(devStackValues());
    expect(run.fake.byType(NOTIFICATION_POLICY)).toEqual([]);
    expect(run.fake.byType(NOTIFICATION_POLICY_WEBHOOKS)).toEqual([]);
  });

  it("when enabled, posts every live input's events, the probe input's too, to the Worker's webhook with the webhook secret", async () => {
    const values: Record<string, unknown> = {
      ...devStackValues(),
      [`${PROJECT}:notifications`]: { enabled: true },
    };
    const run = await evaluate(values);
    const webhook = run.fake.named("realtime-status-webhook");
    expect(isWrappedSecret(webhook.inputs.secret)).toBe(true);
    expect(unwrapSecrets(webhook.inputs)).toMatchObject({
      url: "https://realtime-stack-dev.my-account.workers.dev/api/stream/webhook",
      secret: values[`${PROJECT}:webhookSecret`],
    });
    const channelInputIds = run.fake
      .byType(STREAM_LIVE_INPUT)
      .filter((r) => r.name.includes("/"))
      .map((r) => created(run, r.name).uid);
    expect(channelInputIds).toHaveLength(3);
    // The probe's status must reach the Worker the way a channel's does: that is the path it proves.
    expect(run.fake.named("realtime-status-policy").inputs).toMatchObject({
      alertType: "stream_live_notifications",
      enabled: true,
      mechanisms: { webhooks: [{ id: FakeCloudflare.idOf(webhook) }] },
      filters: { inputIds: [...channelInputIds, created(run, "realtime-probe-live").uid] },
    });
  });

  it("without a probe input, the notification policy names the channels' live inputs only", async () => {
    const run = await evaluate({
      ...devStackValues(),
      [`${PROJECT}:notifications`]: { enabled: true },
      [`${PROJECT}:probe`]: { enabled: false },
    });
    const channelInputIds = run.fake.byType(STREAM_LIVE_INPUT).map((r) => created(run, r.name).uid);
    expect(channelInputIds).toHaveLength(3);
    expect(run.fake.named("realtime-status-policy").inputs).toMatchObject({
      filters: { inputIds: channelInputIds },
    });
  });

  it("serves from a route instead of workers.dev, switching workers.dev off", async () => {
    const zoneId = "fedcba9876543210fedcba9876543210";
    let values = withValue(devStackValues(), "worker", ["workersDev"], undefined);
    values = withValue(values, "worker", ["route"], { pattern: "rt.example.com/*", zoneId });
    const run = await evaluate(values);
    expect(await resolve(run.outputs.workerUrl)).toBe("https://rt.example.com");
    expect(run.fake.named("realtime-worker-route").inputs).toMatchObject({
      zoneId,
      pattern: "rt.example.com/*",
      script: "realtime-stack-dev",
    });
    expect(run.fake.named("realtime-worker-subdomain").inputs).toMatchObject({ enabled: false });
  });

  it("serves from a custom domain", async () => {
    const zoneId = "fedcba9876543210fedcba9876543210";
    let values = withValue(devStackValues(), "worker", ["workersDev"], undefined);
    values = withValue(values, "worker", ["customDomain"], { hostname: "rt.example.com", zoneId });
    const run = await evaluate(values);
    expect(await resolve(run.outputs.workerUrl)).toBe("https://rt.example.com");
    expect(run.fake.named("realtime-worker-domain").inputs).toMatchObject({
      zoneId,
      hostname: "rt.example.com",
      service: "realtime-stack-dev",
    });
  });
});

describe("a bad configuration", () => {
  it("fails with every problem and its key path, before any resource is registered", async () => {
    let values = withValue(devStackValues(), "tenants", ["1", "channels", "0", "name"], "no spaces allowed");
    values = withValue(values, "worker", ["credentialTtl", "default"], 10);
    delete values[`${PROJECT}:signingSecret`];
    const fake = new FakeCloudflare();
    const error = await evaluate(values, fake).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StackConfigError);
    expect((error as StackConfigError).problems).toEqual([
      "realtime-stack:tenants[1].channels[0].name: channel name must match ^[A-Za-z0-9_-]{1,64}$",
      "realtime-stack:worker.credentialTtl.default: Too small: expected number to be >=60",
      "realtime-stack:signingSecret: required; set it with pulumi config set --secret realtime-stack:signingSecret <value>",
    ]);
    expect(fake.registrations).toEqual([]);
    expect(fake.invokes).toEqual([]);
  });
});
