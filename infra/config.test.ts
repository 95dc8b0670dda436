import { describe, expect, it } from "vitest";
import { parseStackConfig, StackConfigError } from "./config.ts";

const SIGNING = "s".repeat(40);
const WEBHOOK = "w".repeat(40);

/** The smallest valid config, as Pulumi hands it over: structured values as JSON strings. */
function minimal(): Record<string, unknown> {
  return {
    accountId: "0123456789abcdef0123456789abcdef",
    tenants: [{ id: "acme", channels: [{ name: "main" }] }],
    worker: { scriptName: "rt-dev", workersDev: { subdomain: "acct" } },
    signingSecret: SIGNING,
    webhookSecret: WEBHOOK,
  };
}

const raw = (values: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(values).map(([k, v]) => [
      k,
      typeof v === "string" || v === undefined ? v : JSON.stringify(v),
    ]),
  ) as Record<string, string | undefined>;

function problems(values: Record<string, unknown>): string[] {
  try {
    parseStackConfig(raw(values));
  } catch (e) {
    if (e instanceof StackConfigError) return e.problems;
    throw e;
  }
  throw new Error("expected the config to be rejected");
}

describe("parseStackConfig", () => {
  it("fills every default a minimal config leaves out", () => {
    const config = parseStackConfig(raw(minimal()));
    expect(config.tenants[0]).toEqual({
      id: "acme",
      channels: [
        {
          name: "main",
          recording: true,
          lowLatency: false,
          playback: "public",
          hideLiveViewerCount: false,
          outputs: [],
        },
      ],
      allowedOrigins: [],
      limits: { credentialsPerMinute: 600, credentialsPerUserPerMinute: 30 },
    });
    expect(config.worker).toEqual({
      scriptName: "rt-dev",
      credentialTtl: { default: 86_400, max: 172_800 },
      playbackTokenTtl: { default: 3_600, max: 86_400 },
      exposure: { kind: "workersDev", subdomain: "acct" },
      plan: "paid",
      cloudflareApiPer5Minutes: 1_140,
    });
    const slot = { active: "a", generations: { a: 1, b: 1 } };
    expect(config.rotation).toEqual({
      turn: slot,
      sfu: slot,
      apiToken: slot,
      playbackKeys: slot,
      tenantKeys: { generation: 1 },
      deployToken: { generation: 1 },
      signingSecret: slot,
      webhookSecret: slot,
    });
    expect(config.notifications).toEqual({ enabled: false });
    expect(config.apiBase).toBe("https://api.cloudflare.com/client/v4");
    expect(config.realtimeApiBase).toBe("https://rtc.live.cloudflare.com/v1");
  });

  it("shares the deploy token's budget out by default and refuses shares that add up to more than it", () => {
    expect(parseStackConfig(raw(minimal())).deployApi).toEqual({
      share: 0.75,
      scriptShare: 0.2,
      retryDeadlineSeconds: 600,
    });
    expect(problems({ ...minimal(), deployApi: { share: 0.9, scriptShare: 0.2 } })).toEqual([
      "realtime-stack:deployApi: share + scriptShare must not exceed 1: both come out of the deploy token's one budget",
    ]);
    expect(problems({ ...minimal(), deployApi: { share: 0, retries: 3 } })).toHaveLength(2);
  });

  it("refuses an active slot b of the signing or webhook secret that holds no secret", () => {
    const slotB = { active: "b", generations: { a: 1, b: 2 } };
    expect(problems({ ...minimal(), rotation: { signingSecret: slotB, webhookSecret: slotB } })).toEqual([
      "realtime-stack:rotation.signingSecret.active: slot b is active but realtime-stack:signingSecretB is not set; set it with pulumi config set --secret realtime-stack:signingSecretB <value>",
      "realtime-stack:rotation.webhookSecret.active: slot b is active but realtime-stack:webhookSecretB is not set; set it with pulumi config set --secret realtime-stack:webhookSecretB <value>",
    ]);
    const secretB = "b".repeat(40);
    const config = parseStackConfig(
      raw({ ...minimal(), signingSecretB: secretB, rotation: { signingSecret: slotB } }),
    );
    expect(config.signingSecretB).toBe(secretB);
  });

  it("takes local API bases without their trailing slash", () => {
    const config = parseStackConfig(raw({ ...minimal(), apiBase: "http://127.0.0.1:8787/client/v4/" }));
    expect(config.apiBase).toBe("http://127.0.0.1:8787/client/v4");
  });

  it.each([
    [
      "a route or a custom domain as well as workers.dev",
      {
        worker: {
          scriptName: "rt",
          workersDev: { subdomain: "a" },
          customDomain: { hostname: "rt.example.com", zoneId: "0".repeat(32) },
        },
      },
      "realtime-stack:worker: set exactly one of workersDev, route or customDomain (found workersDev, customDomain)",
    ],
    [
      "a route that does not cover a whole host",
      { worker: { scriptName: "rt", route: { pattern: "example.com/api/*", zoneId: "0".repeat(32) } } },
      'realtime-stack:worker.route.pattern: must be a hostname followed by "/*", such as realtime.example.com/*',
    ],
    [
      "a TTL default above its maximum",
      {
        worker: {
          scriptName: "rt",
          workersDev: { subdomain: "a" },
          credentialTtl: { default: 7200, max: 3600 },
        },
      },
      "realtime-stack:worker.credentialTtl.default: default must not exceed max",
    ],
    [
      "a typo in a nested key",
      { worker: { scriptName: "rt", workersDev: { subdomain: "a" }, credentialTTL: {} } },
      'realtime-stack:worker: Unrecognized key: "credentialTTL"',
    ],
    [
      "an unknown top-level key",
      { tenant: [] },
      "realtime-stack:tenant: unknown key (known keys: accountId, tenants, worker, rotation, signingSecret, signingSecretB, webhookSecret, webhookSecretB, outputStreamKeys, notifications, probe, adopt, deployApi, apiBase, realtimeApiBase)",
    ],
    [
      "a structured key given as a plain string",
      { rotation: "turn=b" },
      "realtime-stack:rotation: expected a structured YAML value (a map or a list)",
    ],
    [
      "two tenants with one id",
      {
        tenants: [
          { id: "acme", channels: [{ name: "a" }] },
          { id: "acme", channels: [{ name: "b" }] },
        ],
      },
      'realtime-stack:tenants[1]: duplicate tenant id "acme"',
    ],
    [
      "a tenant without channels",
      { tenants: [{ id: "acme", channels: [] }] },
      "realtime-stack:tenants[0].channels: Too small: expected array to have >=1 items",
    ],
    [
      "low latency without recording",
      { tenants: [{ id: "acme", channels: [{ name: "a", recording: false, lowLatency: true }] }] },
      "realtime-stack:tenants[0].channels[0].lowLatency: lowLatency needs recording (Cloudflare's low-latency HLS is built on the recording)",
    ],
    [
      "an origin with a path",
      { tenants: [{ id: "acme", channels: [{ name: "a" }], allowedOrigins: ["https://app.example.com/"] }] },
      "realtime-stack:tenants[0].allowedOrigins[0]: must be an origin such as https://app.example.com (scheme, host, optional port, no path)",
    ],
    [
      "tenant shares of the Cloudflare API budget that add up to more than the Worker's budget leaves them",
      {
        tenants: [
          { id: "acme", channels: [{ name: "a" }], limits: { cloudflareApiPer5Minutes: 1_000 } },
          { id: "globex", channels: [{ name: "a" }], limits: { cloudflareApiPer5Minutes: 60 } },
          { id: "initech", channels: [{ name: "a" }] },
        ],
      },
      "realtime-stack:tenants: limits.cloudflareApiPer5Minutes: the tenants ask for 1061 (counting 1 for each tenant without a setting), more than the 1060 the Worker's budget leaves them (worker.cloudflareApiPer5Minutes 1140, less the probes' 60 and the status sweep's least 20)",
    ],
    [
      "a Worker budget above Cloudflare's 1,200 per 5 minutes",
      {
        worker: { scriptName: "rt-dev", workersDev: { subdomain: "acct" }, cloudflareApiPer5Minutes: 1_201 },
      },
      "realtime-stack:worker.cloudflareApiPer5Minutes: Too big: expected number to be <=1200",
    ],
    [
      "a Workers plan Cloudflare does not have",
      { worker: { scriptName: "rt-dev", workersDev: { subdomain: "acct" }, plan: "enterprise" } },
      'realtime-stack:worker.plan: Invalid option: expected one of "paid"|"free"',
    ],
    [
      "a per-session SFU share above Cloudflare's per-session limit",
      { tenants: [{ id: "acme", channels: [{ name: "a" }], limits: { sfuCallsPerSessionPerSecond: 51 } }] },
      "realtime-stack:tenants[0].limits.sfuCallsPerSessionPerSecond: Too big: expected number to be <=50",
    ],
    [
      "an active slot that does not exist",
      { rotation: { turn: { active: "c" } } },
      'realtime-stack:rotation.turn.active: Invalid option: expected one of "a"|"b"',
    ],
    [
      "a generation of zero",
      { rotation: { sfu: { generations: { b: 0 } } } },
      "realtime-stack:rotation.sfu.generations.b: Too small: expected number to be >=1",
    ],
    [
      "a probe switch that is not a boolean",
      { probe: { enabled: "yes" } },
      "realtime-stack:probe.enabled: Invalid input: expected boolean, received string",
    ],
    [
      "an adopted live input named neither tenant/channel nor probe",
      { adopt: { liveInputs: { "acme main": "0123456789abcdef0123456789abcdef" } } },
      "realtime-stack:adopt.liveInputs.acme main: Invalid key in record",
    ],
    [
      "an adopted TURN key without its secret",
      { adopt: { turnKeys: { a: { uid: "0123456789abcdef0123456789abcdef" } } } },
      "realtime-stack:adopt.turnKeys.a.secret: Invalid input: expected string, received undefined",
    ],
  ])("rejects %s, naming the key path", (_, change, expected) => {
    expect(problems({ ...minimal(), ...change })).toEqual([expected]);
  });

  it("reports every problem at once", () => {
    const { accountId: _, ...withoutAccount } = minimal();
    expect(
      problems({ ...withoutAccount, webhookSecret: "short", notifications: { enabled: "yes" } }),
    ).toEqual([
      "realtime-stack:accountId: required; set it with pulumi config set realtime-stack:accountId <value>",
      "realtime-stack:webhookSecret: must be 32 to 4096 characters without whitespace",
      "realtime-stack:notifications.enabled: Invalid input: expected boolean, received string",
    ]);
  });

  it("never repeats a secret's value in a message", () => {
    const leaked = "not a secret but has spaces in it, 40+ chars long";
    const error = (() => {
      try {
        parseStackConfig(raw({ ...minimal(), signingSecret: leaked }));
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error?.message).toContain(
      "realtime-stack:signingSecret: must be 32 to 4096 characters without whitespace",
    );
    expect(error?.message).not.toContain(leaked);
  });
});

describe("restream outputs", () => {
  const KEY = "k".repeat(24);
  const withOutputs = (outputs: unknown[], keys: Record<string, string> = {}) => ({
    ...minimal(),
    tenants: [{ id: "acme", channels: [{ name: "main", outputs }] }],
    outputStreamKeys: keys,
  });

  it("takes outputs with their stream keys from the secret map, enabled by default", () => {
    const config = parseStackConfig(
      raw(
        withOutputs([{ name: "youtube", url: "rtmps://a.rtmps.youtube.com/live2" }], {
          "acme/main/youtube": KEY,
        }),
      ),
    );
    expect(config.tenants[0]!.channels[0]!.outputs).toEqual([
      { name: "youtube", url: "rtmps://a.rtmps.youtube.com/live2", enabled: true },
    ]);
    expect(config.outputStreamKeys).toEqual({ "acme/main/youtube": KEY });
  });

  it("refuses a stream key written in clear in the channel, saying where it goes, without echoing it", () => {
    const found = problems(
      withOutputs([{ name: "yt", url: "rtmp://a.rtmp.youtube.com/live2", streamKey: KEY }], {
        "acme/main/yt": KEY,
      }),
    );
    expect(found).toEqual([
      "realtime-stack:tenants[0].channels[0].outputs[0].streamKey: a stream key is a secret: remove it here and set it with pulumi config set --secret --path 'realtime-stack:outputStreamKeys[\"<tenant>/<channel>/<output>\"]' <stream key>",
    ]);
    expect(found.join()).not.toContain(KEY);
  });

  it("refuses an output without a key, a key for no output, a duplicate name, another scheme and credentials in the URL", () => {
    expect(
      problems(
        withOutputs(
          [
            { name: "a", url: "rtmp://x.example/live" },
            { name: "a", url: "srt://x.example:9000" },
            { name: "b", url: "https://x.example/live" },
            { name: "c", url: "rtmp://user:pass@x.example/live" },
          ],
          { "acme/main/a": KEY, "acme/main/typo": KEY, "acme/main/b": KEY, "acme/main/c": KEY },
        ),
      ),
    ).toEqual([
      "realtime-stack:tenants[0].channels[0].outputs[2].url: must be an rtmp://, rtmps:// or srt:// URL without credentials",
      "realtime-stack:tenants[0].channels[0].outputs[3].url: must be an rtmp://, rtmps:// or srt:// URL without credentials",
      'realtime-stack:tenants[0].channels[0].outputs[1]: duplicate output name "a"',
      'realtime-stack:outputStreamKeys: "acme/main/typo" names no declared output (tenants[].channels[].outputs[])',
    ]);
    expect(problems(withOutputs([{ name: "a", url: "rtmp://x.example/live" }]))).toEqual([
      "realtime-stack:outputStreamKeys: output acme/main/a has no stream key: set it with pulumi config set --secret --path 'realtime-stack:outputStreamKeys[\"acme/main/a\"]' <stream key>",
    ]);
  });

  it("holds at most 50 outputs per channel, Cloudflare's limit", () => {
    const outputs = Array.from({ length: 51 }, (_, i) => ({ name: `o${i}`, url: "rtmp://x.example/live" }));
    const keys = Object.fromEntries(outputs.map((o) => [`acme/main/${o.name}`, KEY]));
    expect(problems(withOutputs(outputs, keys))).toEqual([
      "realtime-stack:tenants[0].channels[0].outputs: Too big: expected array to have <=50 items",
    ]);
  });
});
