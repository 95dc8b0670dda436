import { createHash, randomBytes } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import {
  ACCOUNT_TOKEN,
  PERMISSION_GROUPS_LIST,
  REALTIME_SFU_APP,
  REALTIME_TURN_KEY,
  STREAM_LIVE_INPUT,
  STREAM_SIGNING_KEY,
  WORKERS_SCRIPTS_LIST,
} from "#infra/type-tokens.ts";

export interface Registration {
  type: string;
  name: string;
  /** As the engine received them: secret values still wrapped. */
  inputs: Record<string, unknown>;
}

/** Fresh per test process, so that no fake secret is ever fixed in the repository. */
const seed = randomBytes(16).toString("hex");
const fake = (...parts: string[]) =>
  createHash("sha256")
    .update([seed, ...parts].join("\0"))
    .digest("hex");

/**
 * Pulumi mocks standing in for Cloudflare: deterministic ids per logical name (so two evaluations
 * can be compared), fake secrets, and the permission groups the Worker token needs. Like mocks
 * (which ignore additionalSecretOutputs) it returns every credential plain: what keeps them secret
 * outside the program is the engine honouring the resources' additionalSecretOutputs, and token
 * values, which the bridged provider does not mark, the program wraps itself.
 */
export class FakeCloudflare implements pulumi.runtime.Mocks {
  readonly registrations: Registration[] = [];
  readonly invokes: { token: string; inputs: Record<string, unknown> }[] = [];
  /** What each resource "created", by logical name. */
  readonly created = new Map<string, Record<string, unknown>>();
  static readonly permissionGroups = [
    {
      id: fake("pg", "stream-read").slice(0, 32),
      name: "Stream Read",
      scopes: ["com.cloudflare.api.account"],
    },
    {
      id: fake("pg", "stream-write").slice(0, 32),
      name: "Stream Write",
      scopes: ["com.cloudflare.api.account"],
    },
    {
      id: fake("pg", "workers").slice(0, 32),
      name: "Workers Scripts Write",
      scopes: ["com.cloudflare.api.account"],
    },
    { id: fake("pg", "dns").slice(0, 32), name: "DNS Write", scopes: ["com.cloudflare.api.account.zone"] },
  ];

  newResource(args: pulumi.runtime.MockResourceArgs): {
    id: string | undefined;
    state: Record<string, unknown>;
  } {
    this.registrations.push({ type: args.type, name: args.name, inputs: args.inputs });
    if (args.custom === false) return { id: undefined, state: args.inputs };
    const uid = FakeCloudflare.idOf(args);
    const secret = (what: string) => fake(what, args.type, args.name);
    const state = { ...args.inputs, ...outputsOf(args.type, uid, secret) };
    this.created.set(args.name, state);
    return { id: uid, state };
  }

  /** Scripts already deployed on the fake account, by name, with their Durable Object migration tag. */
  readonly deployedScripts = new Map<string, string>();

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    this.invokes.push({ token: args.token, inputs: args.inputs });
    if (args.token === WORKERS_SCRIPTS_LIST) {
      const results = [...this.deployedScripts].map(([id, migrationTag]) => ({ id, migrationTag }));
      return { ...args.inputs, results };
    }
    if (args.token !== PERMISSION_GROUPS_LIST) throw new Error(`no fake for invoke ${args.token}`);
    return {
      ...args.inputs,
      results: FakeCloudflare.permissionGroups.map((g) => ({ ...g, isSelectable: true, category: "media" })),
    };
  }

  /** The id this fake gives a resource: stable per logical name within a test process. */
  static idOf(resource: { type: string; name: string }): string {
    return fake("uid", resource.type, resource.name).slice(0, 32);
  }

  /** Registrations of one type, by its token (infra/type-tokens.ts). */
  byType(type: string): Registration[] {
    return this.registrations.filter((r) => r.type === type);
  }

  /** The one registration with this logical name. */
  named(name: string): Registration {
    const found = this.registrations.filter((r) => r.name === name);
    if (found.length !== 1) throw new Error(`expected one registration named ${name}, found ${found.length}`);
    return found[0]!;
  }
}

/**
 * A fake key's `jwk` the size of a real one's (base64 of a 2048-bit RSA JWK, about 2.3 KB), so that
 * the binding-size checks see what a deploy binds; not a key anyone could sign with.
 */
function fakeJwk(kid: string, secret: (what: string) => string): string {
  const b64url = (what: string, length: number) =>
    Buffer.from(secret(what).repeat(Math.ceil(length / 48)))
      .toString("base64url")
      .slice(0, length);
  const [whole, half] = [342, 171];
  const jwk = {
    use: "sig",
    kty: "RSA",
    kid,
    alg: "RS256",
    n: b64url("n", whole),
    e: "AQAB",
    d: b64url("d", whole),
    ...Object.fromEntries(["p", "q", "dp", "dq", "qi"].map((k) => [k, b64url(k, half)])),
  };
  return Buffer.from(JSON.stringify(jwk)).toString("base64");
}

function outputsOf(type: string, uid: string, secret: (what: string) => string): Record<string, unknown> {
  switch (type) {
    case STREAM_LIVE_INPUT:
      return {
        uid,
        rtmpsUrl: "rtmps://live.stream.test:443/live/",
        streamKey: secret("stream-key"),
        srtUrl: "srt://live.stream.test:778",
        srtStreamId: secret("srt-id"),
        srtPassphrase: secret("srt-pass"),
        whipUrl: `https://customer-fake.stream.test/${secret("whip")}/webRTC/publish`,
        whepUrl: `https://customer-fake.stream.test/${uid}/webRTC/play`,
      };
    case REALTIME_TURN_KEY:
      return { uid, keyId: uid, key: secret("turn-key") };
    case REALTIME_SFU_APP:
      return { uid, appId: uid, secret: secret("sfu-secret") };
    case STREAM_SIGNING_KEY:
      return { keyId: uid, created: "2026-01-01T00:00:00Z", pem: secret("pem"), jwk: fakeJwk(uid, secret) };
    case ACCOUNT_TOKEN:
      return { value: secret("token-value") };
    default:
      return {};
  }
}
