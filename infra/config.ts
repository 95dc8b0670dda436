import * as pulumi from "@pulumi/pulumi";
import * as z from "zod";
import { TURN_TTL_MIN } from "#contracts/api/realtime.ts";
import { UPSTREAM_LIMITS } from "#contracts/cloudflare/limits.ts";
import { TURN_TTL_MAX } from "#contracts/cloudflare/realtime.ts";
import { OUTPUT_URL } from "#contracts/cloudflare/stream.ts";
import { SIGNED_URL_MAX_TTL_SECONDS } from "#contracts/cloudflare/stream-keys.ts";
import { WORKERS_PLANS } from "#contracts/cloudflare/workers-plan.ts";
import { cfTag, id } from "#contracts/ids.ts";
import { DEFAULT_CF_API_BASE, DEFAULT_REALTIME_API_BASE } from "#contracts/worker/bindings.ts";
import { tenantLimits } from "#contracts/worker/tenant-map.ts";
import {
  DEFAULT_WORKER_CLOUDFLARE_API_PER_5_MINUTES,
  oversubscribedBudgets,
  PROBE_CLOUDFLARE_API_PER_5_MINUTES,
  REFRESH_MIN_CLOUDFLARE_API_PER_5_MINUTES,
} from "#contracts/worker/upstream-shares.ts";
import { deployApiSettings } from "./api/deploy-api.ts";

/** The project name in Pulumi.yaml, which is also the namespace of every key below. */
export const CONFIG_NAMESPACE = "realtime-stack";

/**
 * A shared zod/mini schema (from contracts/) with a description for docs/configuration.md. The
 * description goes on a copy, so that the Worker, which parses the same contracts, carries none.
 */
function described<T extends z.core.$ZodType>(schema: T, description: string): T {
  const copy = z.core.clone(schema);
  z.globalRegistry.add(copy, { description });
  return copy;
}

const secret = z.string().regex(/^\S{32,4096}$/, {
  message: "must be 32 to 4096 characters without whitespace",
});

const generation = z.int().min(1).max(999_999_999);

export const SLOTS = ["a", "b"] as const;
export type Slot = (typeof SLOTS)[number];

/** A credential kept in two slots: the Worker uses the active one, the other is the fallback. */
const slotted = z.strictObject({
  active: z.enum(SLOTS).default("a").describe("The slot the Worker uses; the other slot is the fallback."),
  generations: z
    .strictObject({
      a: generation.default(1).describe("Slot a's generation."),
      b: generation.default(1).describe("Slot b's generation."),
    })
    .prefault({})
    .describe("Each slot's generation, part of its resource's name: a new generation is a new credential."),
});
export type SlottedRotation = z.infer<typeof slotted>;

export const rotationSchema = z.strictObject({
  turn: slotted.prefault({}).describe("The Realtime TURN key's two slots."),
  sfu: slotted.prefault({}).describe("The Realtime SFU app's two slots."),
  apiToken: slotted.prefault({}).describe("The two slots of the Worker's own Cloudflare API token."),
  playbackKeys: slotted
    .prefault({})
    .describe(
      "Stream signing keys for private channels' playback tokens (not the Worker's own signing secret; docs/private-channels.md).",
    ),
  signingSecret: slotted
    .prefault({})
    .describe(
      "Which of `signingSecret` (slot a) and `signingSecretB` (slot b) signs; the other still verifies.",
    ),
  webhookSecret: slotted
    .prefault({})
    .describe(
      "Which of `webhookSecret` (slot a) and `webhookSecretB` (slot b) the notification destination holds; the Worker accepts both.",
    ),
  tenantKeys: z
    .strictObject({
      generation: generation
        .default(1)
        .describe("The current generation; the Worker also accepts the one before it (the grace window)."),
    })
    .prefault({})
    .describe("Tenant API keys are derived, not stored: a generation is all there is to rotate."),
  deployToken: z
    .strictObject({
      generation: generation
        .default(1)
        .describe("How many times the deploy token was rolled; the program does not read it."),
    })
    .prefault({})
    .describe(
      "The deploy token (`cloudflare:apiToken`) rolls in place, with no second slot; this counts its rolls for the rotation's journal and reports.",
    ),
});
export type RotationConfig = z.infer<typeof rotationSchema>;

const uniqueBy =
  <T>(key: (item: T) => string, what: string) =>
  (items: T[], ctx: z.core.$RefinementCtx<T[]>) => {
    const seen = new Set<string>();
    items.forEach((item, index) => {
      const k = key(item);
      if (seen.has(k)) ctx.addIssue({ code: "custom", message: `duplicate ${what} "${k}"`, path: [index] });
      seen.add(k);
    });
  };

/** "You can simulcast to up to 50 concurrent destinations from each live input." (docs/reference/cloudflare-api.md §1.8) */
export const OUTPUTS_PER_CHANNEL = 50;

/** The config key of the outputs' stream keys: secret, so never in a channel's plain config. */
export const OUTPUT_KEYS = "outputStreamKeys";

/** `<tenant>/<channel>/<output>`: how a stream key in `realtime-stack:outputStreamKeys` names its output. */
export const outputKeyName = (tenantId: string, channel: string, output: string) =>
  `${tenantId}/${channel}/${output}`;

const howToSetOutputKey = (name = "<tenant>/<channel>/<output>") =>
  `pulumi config set --secret --path '${CONFIG_NAMESPACE}:${OUTPUT_KEYS}["${name}"]' <stream key>`;

/**
 * A restream output (docs/reference/cloudflare-api.md §1.8). Its stream key is not here: it is a
 * secret, set under `realtime-stack:outputStreamKeys`; one written here in clear is refused.
 */
const outputSchema = z.strictObject({
  name: described(id("output name"), "The output's name, unique within its channel."),
  url: z
    .string()
    .max(2048)
    .regex(OUTPUT_URL, {
      message: "must be an rtmp://, rtmps:// or srt:// URL without credentials",
    })
    .describe("The target: an rtmp://, rtmps:// or srt:// URL, without credentials."),
  enabled: z.boolean().default(true).describe("Whether Cloudflare restreams to it now."),
  streamKey: z
    .undefined({
      error: `a stream key is a secret: remove it here and set it with ${howToSetOutputKey()}`,
    })
    .optional()
    .describe(`Never set here: a stream key is a secret, set with ${howToSetOutputKey()}.`),
});
export type OutputConfig = z.infer<typeof outputSchema>;

const channelSchema = z
  .strictObject({
    name: described(id("channel name"), "The channel's name, unique within its tenant; one live input each."),
    recording: z
      .boolean()
      .default(true)
      .describe("HLS and DASH playback only exist when Cloudflare records the input, hence on by default."),
    lowLatency: z.boolean().default(false).describe("Cloudflare's low-latency HLS, built on the recording."),
    playback: z
      .enum(["public", "signed"])
      .default("public")
      .describe(
        "`signed`: a private channel. Its live input sets `recording.requireSignedURLs`, so Stream plays it " +
          "(HLS, DASH, WHEP, and its recordings) only through a token the Worker signs " +
          "(docs/reference/cloudflare-api.md §11.3, docs/private-channels.md).",
      ),
    hideLiveViewerCount: z
      .boolean()
      .default(false)
      .describe(
        "Hide the live viewer count: the live input sets `recording.hideLiveViewerCount`, so Stream reports no " +
          "count and the channel's status leaves `viewers` out (docs/reference/cloudflare-api.md §12).",
      ),
    outputs: z
      .array(outputSchema)
      .max(OUTPUTS_PER_CHANNEL)
      .default([])
      .superRefine(uniqueBy((o) => o.name, "output name"))
      .describe(
        `Where its broadcasts are restreamed, each to an RTMP(S) or SRT target, at most ${OUTPUTS_PER_CHANNEL} (docs/restream.md).`,
      ),
  })
  .refine((c) => c.recording || !c.lowLatency, {
    message: "lowLatency needs recording (Cloudflare's low-latency HLS is built on the recording)",
    path: ["lowLatency"],
  });

const origin = z.string().regex(/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/, {
  message: "must be an origin such as https://app.example.com (scheme, host, optional port, no path)",
});

/**
 * The tenant limits are a contract the Worker parses with zod/mini; their descriptions are added to
 * copies here, so that docs/configuration.md has them and the Worker's bundle does not carry them.
 */
const LIMIT_DESCRIPTIONS: Record<keyof typeof tenantLimits.shape, string> = {
  credentialsPerMinute:
    "Credentials (TURN, SFU sessions, room joins) the tenant may mint per minute, all its users together.",
  credentialsPerUserPerMinute:
    "Per user id: an abuse limit each Worker isolate counts on its own, unlike the others (docs/security.md#per-tenant-budgets).",
  cloudflareApiPer5Minutes:
    "The tenant's share of the Worker's Cloudflare API token (live input reads and updates), per 5 minutes. " +
    "Default: an equal part of what the Worker's API budget leaves the tenants.",
  turnCredentialsPerSecond:
    "The tenant's share of TURN credential issuance with the stack's TURN key, per second. " +
    "Default: an equal part of Cloudflare's 500/s that the tenants with a setting leave.",
  sfuCallsPerSessionPerSecond:
    "Realtime API calls per SFU session through the session proxy, per second (default: Cloudflare's 50).",
};
const describedLimits = Object.fromEntries(
  Object.entries(tenantLimits.shape).map(([key, schema]) => [
    key,
    described(schema, LIMIT_DESCRIPTIONS[key as keyof typeof LIMIT_DESCRIPTIONS]),
  ]),
) as typeof tenantLimits.shape;

const tenantSchema = z.strictObject({
  id: described(id("tenant id"), "The tenant's id, which apps send as `X-Tenant-ID`."),
  channels: z
    .array(channelSchema)
    .min(1)
    .superRefine(uniqueBy((c) => c.name, "channel name"))
    .describe("The tenant's channels, at least one: a Stream live input each."),
  allowedOrigins: z
    .array(origin)
    .default([])
    .describe(
      "Browser origins (scheme, host, optional port) whose pages may call the Worker for this tenant (CORS).",
    ),
  limits: z
    .strictObject(describedLimits)
    .prefault({})
    .describe(
      "Credential minting, and the tenant's shares of the upstream budgets (docs/security.md#per-tenant-budgets). " +
        "The shares set, plus 1 for each tenant without one, may not add up to more than there is for tenants.",
    ),
});
export type TenantConfig = z.infer<typeof tenantSchema>;
export type ChannelConfig = z.infer<typeof channelSchema>;

/** The Worker's own bounds for a requested TTL, so that its default and maximum are always grantable. */
const ttl = z.int().min(TURN_TTL_MIN).max(TURN_TTL_MAX);

/** A playback token lives at least a minute and, Cloudflare's cap, at most 24 hours (docs/reference/cloudflare-api.md §11.2). */
const playbackTtl = z.int().min(60).max(SIGNED_URL_MAX_TTL_SECONDS);

/** The Worker's routes live at the root, so a route must send a whole hostname to it. */
/** The zone's id, which Cloudflare's dashboard shows on the zone's Overview page. */
const zoneIdOf = (what: string) =>
  described(cfTag, `The id of the zone the ${what} is in (the zone's Overview page).`);

const routePattern = z.string().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+\/\*$/, {
  message: 'must be a hostname followed by "/*", such as realtime.example.com/*',
});
const hostname = z.string().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, {
  message: "must be a lowercase hostname such as realtime.example.com",
});

const workerSchema = z
  .strictObject({
    scriptName: z
      .string()
      .regex(/^[a-z0-9_][a-z0-9_-]{0,62}$/, {
        message: "must match ^[a-z0-9_][a-z0-9_-]{0,62}$ (Cloudflare's script name rule)",
      })
      .describe("The Worker script's name in the account."),
    workersDev: z
      .strictObject({
        subdomain: z
          .string()
          .regex(/^[a-z0-9][a-z0-9-]{0,62}$/)
          .describe("The account's workers.dev subdomain, without `.workers.dev`."),
      })
      .optional()
      .describe(
        "Expose the Worker on workers.dev: the account's subdomain (dashboard: Workers & Pages → Subdomain). " +
          "Exactly one of workersDev, route and customDomain.",
      ),
    route: z
      .strictObject({
        pattern: routePattern.describe("The route: a whole hostname followed by `/*`."),
        zoneId: zoneIdOf("hostname"),
      })
      .optional()
      .describe("Expose the Worker on a route of a zone, a whole hostname (`realtime.example.com/*`)."),
    customDomain: z
      .strictObject({
        hostname: hostname.describe(
          "The hostname the Worker answers on; Cloudflare creates its DNS record and certificate.",
        ),
        zoneId: zoneIdOf("hostname"),
      })
      .optional()
      .describe("Expose the Worker on a custom domain of a zone."),
    credentialTtl: z
      .strictObject({
        default: ttl.default(86_400).describe("Seconds, when the caller asks no `ttl`."),
        max: ttl.default(TURN_TTL_MAX).describe("The most seconds a caller may ask for."),
      })
      .prefault({})
      .refine((t) => t.default <= t.max, { message: "default must not exceed max", path: ["default"] })
      .describe(
        "Lifetime in seconds of the TURN credentials the Worker mints: `default` when the caller asks none, `max` the most it grants.",
      ),
    playbackTokenTtl: z
      .strictObject({
        default: playbackTtl.default(3_600).describe("Seconds, when the caller asks no `ttl`."),
        max: playbackTtl
          .default(SIGNED_URL_MAX_TTL_SECONDS)
          .describe("The most seconds a caller may ask for."),
      })
      .prefault({})
      .refine((t) => t.default <= t.max, { message: "default must not exceed max", path: ["default"] })
      .describe(
        "Playback tokens of private channels: what `POST /api/stream/playback-token` grants without a `ttl`, " +
          "and the most it grants. The longest a rotated playback key is kept after the switch.",
      ),
    plan: z
      .enum(WORKERS_PLANS)
      .default("paid")
      .describe(
        "The account's Workers plan: one invocation may make 50 subrequests on Free, 10,000 on Paid " +
          "(contracts/cloudflare/workers-plan.ts), and the status sweep fans out within it.",
      ),
    cloudflareApiPer5Minutes: z
      .int()
      .min(PROBE_CLOUDFLARE_API_PER_5_MINUTES + REFRESH_MIN_CLOUDFLARE_API_PER_5_MINUTES + 1)
      .max(UPSTREAM_LIMITS.cloudflareApiPer5Minutes)
      .default(DEFAULT_WORKER_CLOUDFLARE_API_PER_5_MINUTES)
      .describe(
        "What all the Worker's calls on its Cloudflare API token together (status sweep, connect, probes) may " +
          "spend of Cloudflare's 1,200 per 5 minutes: the probes' reserve, the status sweep's share and the " +
          "tenants' shares are cut from it (docs/security.md#status-at-scale).",
      ),
  })
  .superRefine((w, ctx) => {
    const set = (["workersDev", "route", "customDomain"] as const).filter((k) => w[k] !== undefined);
    if (set.length !== 1) {
      ctx.addIssue({
        code: "custom",
        message: `set exactly one of workersDev, route or customDomain (found ${set.length === 0 ? "none" : set.join(", ")})`,
      });
    }
  })
  .transform(({ workersDev, route, customDomain, ...rest }) => ({
    ...rest,
    exposure: workersDev
      ? ({ kind: "workersDev", ...workersDev } as const)
      : route
        ? ({ kind: "route", ...route } as const)
        : ({ kind: "customDomain", ...customDomain! } as const),
  }));
export type WorkerConfig = z.infer<typeof workerSchema>;
export type WorkerExposure = WorkerConfig["exposure"];

const adoptCredential = z
  .strictObject({
    uid: described(cfTag, "Its uid, 32 hex characters."),
    secret: z
      .string()
      .min(1)
      .describe("Its secret, as Cloudflare showed it once; set it with `pulumi config set --secret --path`."),
    generation: generation
      .default(1)
      .describe(
        "The slot's generation it is adopted as (`rotation.<kind>.generations`). A rotation moves the slot " +
          "past it: the slot then gets a new object, and this one goes with its old generation.",
      ),
  })
  .describe("An existing TURN key or SFU app to adopt: its uid, and the secret Cloudflare showed once.");
const bySlot = z.strictObject({ a: adoptCredential.optional(), b: adoptCredential.optional() }).prefault({});

const adoptSchema = z
  .strictObject({
    liveInputs: z
      .record(
        z.string().regex(/^([A-Za-z0-9_-]{1,64}\/[A-Za-z0-9_-]{1,64}|probe)$/),
        described(cfTag, "The live input's uid, 32 hex characters."),
      )
      .default({})
      .describe("Live inputs by `<tenant>/<channel>` (or `probe`) → uid."),
    turnKeys: bySlot.describe("TURN keys by slot; set each secret with `pulumi config set --secret --path`."),
    sfuApps: bySlot.describe("SFU apps by slot; set each secret with `pulumi config set --secret --path`."),
  })
  .prefault({})
  .describe(
    "Existing Cloudflare objects for the stack to take over instead of creating " +
      "(docs/operations.md#adopting-existing-objects).",
  );

const apiBase = z.url({ protocol: /^https?$/ }).transform((url) => url.replace(/\/+$/, ""));

/** The live inputs the stack declares: one per tenant channel, and the probe input when it has one. */
export const liveInputCount = (config: { tenants: { channels: unknown[] }[]; probe: { enabled: boolean } }) =>
  config.tenants.reduce((sum, t) => sum + t.channels.length, 0) + (config.probe.enabled ? 1 : 0);

/** docs/spec.md §3: the whole stack configuration, one key per property, each under `realtime-stack:`. */
export const stackConfigSchema = z
  .strictObject({
    accountId: described(
      cfTag,
      "The Cloudflare account that holds every resource of the stack (32 hex characters).",
    ),
    tenants: z
      .array(tenantSchema)
      .min(1)
      .superRefine(uniqueBy((t) => t.id, "tenant id"))
      .describe("The tenants, each with its channels, allowed origins and limits."),
    worker: workerSchema.describe(
      "The endpoint Worker: its name, where it is exposed (exactly one of workersDev, route and customDomain), " +
        "credential lifetimes, plan and Cloudflare API budget.",
    ),
    rotation: rotationSchema
      .prefault({})
      .describe(
        "Which slot of each two-slot credential is active, and each slot's generation. Written by " +
          "`npm run rotate` (docs/operations.md#rotation); edit it by hand only to undo a rotation.",
      ),
    signingSecret: secret.describe(
      "Slot a of the signing secret, which signs session tokens and derives tenant API keys; the stack's one " +
        "signing secret until its first rotation. `openssl rand -base64 48` makes one.",
    ),
    signingSecretB: secret
      .optional()
      .describe("Slot b of the signing secret: `npm run rotate` writes it; unset until then."),
    webhookSecret: secret.describe(
      "Slot a of the secret that authenticates Cloudflare's notification webhooks (`cf-webhook-auth`).",
    ),
    webhookSecretB: secret
      .optional()
      .describe("Slot b of the webhook secret: `npm run rotate` writes it; unset until then."),
    [OUTPUT_KEYS]: z
      .record(z.string(), z.string().min(1).max(1024).describe("The output's stream key, a secret."))
      .default({})
      .describe(
        `The restream outputs' stream keys, by \`<tenant>/<channel>/<output>\`: a secret map, set one key at a ` +
          `time with ${howToSetOutputKey()}.`,
      ),
    notifications: z
      .strictObject({
        enabled: z
          .boolean()
          .default(false)
          .describe(
            "Whether the stack subscribes the Worker to live-input notifications (a webhook and a policy).",
          ),
      })
      .prefault({})
      .describe(
        "Live-input notifications pushed to the Worker. Cloudflare only delivers notification webhooks to " +
          "accounts with a Pro zone; without them the Worker checks each status on Stream's delivery host when " +
          "asked, and its once-a-minute sweep re-reads the live inputs.",
      ),
    probe: z
      .strictObject({
        enabled: z.boolean().default(true).describe("Whether the stack has its probe live input."),
        onDeploy: z
          .boolean()
          .default(false)
          .describe(
            "Every `npm run deploy` runs the probes (ingest, media, relayed media) after its smoke checks.",
          ),
      })
      .prefault({})
      .describe(
        "The stack's own live input for post-deploy probes (not a tenant channel). It is recorded (HLS needs " +
          "it) and the ingest probe deletes its recordings (Cloudflare's 30-day `deleteRecordingAfterDays` is only the " +
          "backstop); outputs `probe: { liveInputId, apiKey (secret), " +
          "ingest (secret), playback, onDeploy }` (docs/operations.md#probes).",
      ),
    adopt: adoptSchema,
    // The providers read deployApi themselves; it is here so that a mistake in it is reported with
    // every other before anything is registered.
    deployApi: described(
      z.prefault(deployApiSettings, {}),
      "The parts of the deploy token's 1,200 calls per 5 minutes that the stack's own providers (`share`, " +
        "per `pulumi up`) and the scripts (`scriptShare`, smoke's and rotate's own calls) may use, together at " +
        "most 1, the rest left to the bridged provider; and how long one call keeps retrying 429s, 5xx and " +
        "network failures (`retryDeadlineSeconds`).",
    ),
    apiBase: apiBase
      .default(DEFAULT_CF_API_BASE)
      .describe(
        `The Cloudflare REST API base for the Worker and the stack's own providers (unset: ${DEFAULT_CF_API_BASE}); ` +
          "the local engine points it at the emulator.",
      ),
    realtimeApiBase: apiBase
      .default(DEFAULT_REALTIME_API_BASE)
      .describe(
        `The Realtime API base, TURN and SFU (unset: ${DEFAULT_REALTIME_API_BASE}); the local engine points it at the emulator.`,
      ),
  })
  .superRefine((config, ctx) => {
    // Every declared output has its stream key, and every key names a declared output (a typo
    // would otherwise leave an output keyless). Names only: a key's value is never in a message.
    const declared = new Set(
      config.tenants.flatMap((t) =>
        t.channels.flatMap((c) => c.outputs.map((o) => outputKeyName(t.id, c.name, o.name))),
      ),
    );
    for (const name of declared) {
      if (!Object.hasOwn(config[OUTPUT_KEYS], name)) {
        ctx.addIssue({
          code: "custom",
          message: `output ${name} has no stream key: set it with ${howToSetOutputKey(name)}`,
          path: [OUTPUT_KEYS],
        });
      }
    }
    for (const name of Object.keys(config[OUTPUT_KEYS])) {
      if (!declared.has(name)) {
        ctx.addIssue({
          code: "custom",
          message: `"${name}" names no declared output (tenants[].channels[].outputs[])`,
          path: [OUTPUT_KEYS],
        });
      }
    }
    for (const [kind, slotB] of [
      ["signingSecret", "signingSecretB"],
      ["webhookSecret", "webhookSecretB"],
    ] as const) {
      if (config.rotation[kind].active === "b" && config[slotB] === undefined) {
        ctx.addIssue({
          code: "custom",
          message: `slot b is active but ${CONFIG_NAMESPACE}:${slotB} is not set; set it with pulumi config set --secret ${CONFIG_NAMESPACE}:${slotB} <value>`,
          path: ["rotation", kind, "active"],
        });
      }
    }
    // An adoption for a generation the slot has not reached would adopt a key at the slot's next
    // rotation, in place of the new one that rotation means to make.
    for (const [kind, rotation] of [
      ["turnKeys", config.rotation.turn],
      ["sfuApps", config.rotation.sfu],
    ] as const) {
      for (const slot of SLOTS) {
        const adopted = config.adopt[kind][slot];
        if (adopted && adopted.generation > rotation.generations[slot]) {
          ctx.addIssue({
            code: "custom",
            message: `it is for generation ${adopted.generation}, but slot ${slot} is at generation ${rotation.generations[slot]}`,
            path: ["adopt", kind, slot, "generation"],
          });
        }
      }
    }
    // The tenants' shares of the Worker's API budget, beside the probes' and the sweep's.
    const budget = {
      per5Minutes: config.worker.cloudflareApiPer5Minutes,
      liveInputs: config.tenants.reduce((sum, t) => sum + t.channels.length, 0),
    };
    for (const message of oversubscribedBudgets(
      config.tenants.map((t) => t.limits),
      budget,
    )) {
      ctx.addIssue({ code: "custom", message, path: ["tenants"] });
    }
  });
export type ParsedStackConfig = z.infer<typeof stackConfigSchema>;

/** A secret kept in two slots, as the Worker binds it: the active slot's, and the other's when it is set. */
export interface SlotSecrets {
  active: pulumi.Output<string>;
  fallback?: pulumi.Output<string>;
}

type SlotSecretKey = "signingSecret" | "signingSecretB" | "webhookSecret" | "webhookSecretB";

/** What the program works with: the parsed configuration, its secrets as Pulumi secrets, by slot. */
export type StackConfig = Omit<ParsedStackConfig, SlotSecretKey | typeof OUTPUT_KEYS> & {
  signing: SlotSecrets;
  webhook: SlotSecrets;
  /** Each output's stream key, by `<tenant>/<channel>/<output>`, each a Pulumi secret. */
  outputStreamKeys: Record<string, pulumi.Output<string>>;
};

/** The config key that holds each slot of a two-slot secret. */
export const SECRET_SLOT_KEYS = {
  signingSecret: { a: "signingSecret", b: "signingSecretB" },
  webhookSecret: { a: "webhookSecret", b: "webhookSecretB" },
} as const satisfies Record<string, Record<Slot, SlotSecretKey>>;

function slotSecrets(parsed: ParsedStackConfig, kind: keyof typeof SECRET_SLOT_KEYS): SlotSecrets {
  const keys = SECRET_SLOT_KEYS[kind];
  const active = parsed.rotation[kind].active;
  const other = active === "a" ? "b" : "a";
  const fallback = parsed[keys[other]];
  return {
    active: pulumi.secret(parsed[keys[active]]!),
    ...(fallback === undefined ? {} : { fallback: pulumi.secret(fallback) }),
  };
}

type Key = keyof ParsedStackConfig;
const STRUCTURED: readonly Key[] = [
  "tenants",
  "worker",
  "rotation",
  "notifications",
  "probe",
  "adopt",
  "deployApi",
  OUTPUT_KEYS,
];
const SECRET_KEYS: readonly Key[] = [
  "signingSecret",
  "signingSecretB",
  "webhookSecret",
  "webhookSecretB",
  OUTPUT_KEYS,
];
const KEYS = Object.keys(stackConfigSchema.shape) as Key[];

/** Thrown before any resource is registered; Pulumi prints a RunError's message without a stack trace. */
export class StackConfigError extends pulumi.RunError {
  constructor(readonly problems: string[]) {
    super(
      `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "StackConfigError";
    // A configuration problem is the user's, not the code's: no stack trace. (Pulumi formats the
    // error once more for its tracing span, and source-mapping a real stack there takes seconds.)
    this.stack = `${this.name}: ${this.message}`;
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join("");
}

/** How a top-level key is set: as a secret, as a structured YAML value, or as a plain value. */
export function howToSet(key: Key): string {
  if (key === OUTPUT_KEYS) return howToSetOutputKey();
  if (SECRET_KEYS.includes(key)) return `pulumi config set --secret ${CONFIG_NAMESPACE}:${key} <value>`;
  if (STRUCTURED.includes(key)) return `a YAML value under ${CONFIG_NAMESPACE}:${key} in Pulumi.<stack>.yaml`;
  return `pulumi config set ${CONFIG_NAMESPACE}:${key} <value>`;
}

/**
 * Validates raw Pulumi config (`key` → string as Pulumi hands it over, structured values as JSON)
 * and reports every problem at once, each with its full key path. Secret values never appear in
 * a message: zod's messages name the rule, not the input.
 */
export function parseStackConfig(raw: Readonly<Record<string, string | undefined>>): ParsedStackConfig {
  const problems: string[] = [];
  const input: Record<string, unknown> = {};
  for (const key of KEYS) {
    const value = raw[key];
    if (value === undefined || !STRUCTURED.includes(key)) {
      input[key] = value;
      continue;
    }
    try {
      input[key] = JSON.parse(value);
    } catch {
      problems.push(`${CONFIG_NAMESPACE}:${key}: expected a structured YAML value (a map or a list)`);
    }
  }
  for (const key of Object.keys(raw)) {
    if (!KEYS.includes(key as Key)) {
      problems.push(`${CONFIG_NAMESPACE}:${key}: unknown key (known keys: ${KEYS.join(", ")})`);
    }
  }
  const parsed = stackConfigSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = issue.path[0] as Key | undefined;
      const where = `${CONFIG_NAMESPACE}:${formatPath(issue.path)}`;
      const missing =
        issue.code === "invalid_type" &&
        key !== undefined &&
        issue.path.length === 1 &&
        input[key] === undefined;
      problems.push(
        missing ? `${where}: required; set it with ${howToSet(key)}` : `${where}: ${issue.message}`,
      );
    }
  }
  if (problems.length > 0 || !parsed.success) throw new StackConfigError(problems);
  return parsed.data;
}

/** Reads this stack's `realtime-stack:*` config from the Pulumi runtime and validates it. */
export function readStackConfig(): StackConfig {
  const prefix = `${CONFIG_NAMESPACE}:`;
  const raw = Object.fromEntries(
    Object.entries(pulumi.runtime.allConfig())
      .filter(([k]) => k.startsWith(prefix))
      .map(([k, v]) => [k.slice(prefix.length), v]),
  );
  const parsed = parseStackConfig(raw);
  const {
    signingSecret: _a,
    signingSecretB: _b,
    webhookSecret: _c,
    webhookSecretB: _d,
    [OUTPUT_KEYS]: outputKeys,
    ...rest
  } = parsed;
  return {
    ...rest,
    signing: slotSecrets(parsed, "signingSecret"),
    webhook: slotSecrets(parsed, "webhookSecret"),
    outputStreamKeys: Object.fromEntries(
      Object.entries(outputKeys).map(([name, key]) => [name, pulumi.secret(key)]),
    ),
  };
}
