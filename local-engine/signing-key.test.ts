import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import * as z from "zod";
import { importPlaybackKey, signPlaybackToken } from "#contracts/playback-token.ts";
import { scopedToken, useEmulator } from "#emulator/testing.ts";
import { CloudflareRest } from "#infra/cloudflare-rest.ts";
import { StreamSigningKey } from "#infra/providers/stream-signing-key.ts";
import { STREAM_SIGNING_KEY } from "#infra/type-tokens.ts";
import { applyProgram, destroyState, refreshState, type Step } from "./engine.ts";
import { deleteInFreshHost, HOST_FOLDER } from "./testing.ts";

/**
 * The StreamSigningKey provider, run as Pulumi runs it: serialized, in Pulumi's dynamic-provider
 * host, against the emulator's `/stream/keys` (create hands out the material once, the list has
 * ids only, delete revokes).
 */
const ctx = useEmulator();
let dir: string;
let stateFile: string;
let token: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "signing-key-test-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(async () => {
  await ctx.admin.clearFaults();
  stateFile = join(dir, `${crypto.randomUUID()}.json`);
  token = await scopedToken(ctx.emu, ["Stream Write", "Stream Read"]);
});

const engine = () => ({
  project: "engine-test",
  stack: "test",
  config: { "cloudflare:apiToken": token, "realtime-stack:apiBase": ctx.emu.apiBase },
  api: new CloudflareRest({ baseUrl: ctx.emu.apiBase, token: ctx.emu.adminToken }),
  stateFile,
  cwd: HOST_FOLDER,
});

/** Keys by logical name, exporting each one's id and jwk as a Worker binding would take them. */
const apply = (names: string[]) =>
  applyProgram({
    ...engine(),
    program: async () => {
      const keys = names.map((n) => new StreamSigningKey(n, { accountId: ctx.emu.accountId }));
      return {
        ids: pulumi.all(keys.map((k) => k.keyId)),
        jwks: pulumi.all(keys.map((k) => k.jwk)),
        jwkIsSecret: pulumi.isSecret(keys[0]?.jwk ?? pulumi.output("")),
      };
    },
  });

const ops = (steps: Step[]) => steps.map((s) => `${s.op}:${s.name}`);
const accountKeys = () => ctx.emu.stores.stream.signingKeys.list().map((k) => k.id);
const lifecycleWith = async (id: string, jwk: string) => {
  const uid = ctx.emu.stores.stream.create({ recording: { requireSignedURLs: true } }).uid;
  const signed = await signPlaybackToken(await importPlaybackKey(id, jwk), {
    sub: uid,
    exp: Math.floor(Date.now() / 1000) + 60,
  });
  return (
    await fetch(`${ctx.emu.url}/delivery/customer-${ctx.emu.stores.stream.customerCode}/${signed}/lifecycle`)
  ).status;
};

describe("StreamSigningKey through Pulumi's dynamic-provider host", () => {
  it("creates keys whose jwk signs tokens the delivery host plays, kept secret; the next run changes nothing", async () => {
    const first = await apply(["key-a-g1", "key-b-g1"]);
    expect(ops(first.steps).sort()).toEqual(["create:key-a-g1", "create:key-b-g1"]);
    const ids = first.outputs.ids as string[];
    expect(accountKeys().sort()).toEqual([...ids].sort());
    expect(first.outputs.jwkIsSecret).toBe(true);
    expect(first.state.resources[`${STREAM_SIGNING_KEY}::key-a-g1`]?.secretOutputs).toEqual(["jwk", "pem"]);
    expect(await lifecycleWith(ids[0]!, (first.outputs.jwks as string[])[0]!)).toBe(200);

    const second = await apply(["key-a-g1", "key-b-g1"]);
    expect(ops(second.steps).sort()).toEqual(["same:key-a-g1", "same:key-b-g1"]);
    expect(second.outputs.jwks).toEqual(first.outputs.jwks);
  });

  it("a new generation is a new key: created, then the old one revoked", async () => {
    const first = await apply(["key-b-g1"]);
    const next = await apply(["key-b-g2"]);
    expect(ops(next.steps)).toEqual(["create:key-b-g2", "delete:key-b-g1"]);
    expect(accountKeys()).toEqual(next.outputs.ids);
    expect(
      await lifecycleWith((first.outputs.ids as string[])[0]!, (first.outputs.jwks as string[])[0]!),
    ).toBe(401);
  });

  it("reads through the list, no per-key GET: a key revoked out of band is forgotten by refresh and made anew by the next run", async () => {
    const first = await apply(["key-a-g1"]);
    const [id] = first.outputs.ids as string[];
    await new CloudflareRest({ baseUrl: ctx.emu.apiBase, token }).call(
      "DELETE",
      `/accounts/${ctx.emu.accountId}/stream/keys/${id}`,
      z.unknown(),
    );
    await ctx.admin.clearRequests();
    const refreshed = await refreshState(engine());
    expect(ops(refreshed)).toEqual(["delete:key-a-g1"]);
    const reads = (await ctx.admin.requests()).map(
      (r) => `${r.method} ${r.path.replace(ctx.emu.accountId, "<account>")}`,
    );
    expect(reads).toEqual(["GET /client/v4/accounts/<account>/stream/keys"]);

    const next = await apply(["key-a-g1"]);
    expect(ops(next.steps)).toEqual(["create:key-a-g1"]);
    const [fresh] = next.outputs.ids as string[];
    expect(fresh).not.toBe(id);
    // What the Worker binds changes with it: the new key's material.
    expect(next.outputs.jwks).not.toEqual(first.outputs.jwks);
    expect(await lifecycleWith(fresh!, (next.outputs.jwks as string[])[0]!)).toBe(200);
  });

  it("a refresh that finds the key keeps it; destroy revokes it; a key already gone counts as deleted", async () => {
    await apply(["key-a-g1", "key-b-g1"]);
    expect(ops(await refreshState(engine())).sort()).toEqual(["same:key-a-g1", "same:key-b-g1"]);
    ctx.emu.stores.stream.signingKeys.delete(accountKeys()[0]!);
    const steps = await destroyState(engine());
    expect(ops(steps).sort()).toEqual(["delete:key-a-g1", "delete:key-b-g1"]);
    expect(accountKeys()).toEqual([]);
  });

  it("the serialized provider in the state revokes it, in a fresh host", async () => {
    const { state } = await apply(["key-a-g1"]);
    const config = { "cloudflare:apiToken": token, "realtime-stack:apiBase": ctx.emu.apiBase };
    await deleteInFreshHost(Object.values(structuredClone(state.resources)), config);
    expect(accountKeys()).toEqual([]);
  });

  it("a create whose answer is lost is made again; the lost key, which no one can sign with, is left alone", async () => {
    await ctx.admin.addFault({
      method: "POST",
      path: "/client/v4/accounts/*/stream/keys",
      count: 1,
      action: { type: "lose_answer" },
    });
    const { steps, outputs } = await apply(["key-a-g1"]);
    expect(ops(steps)).toEqual(["create:key-a-g1"]);
    const [held] = outputs.ids as string[];
    // Keys carry no name: the lost one cannot be told from one another slot or stack made at the
    // same moment, and revoking that would stop every token it signed.
    expect(accountKeys()).toHaveLength(2);
    expect(accountKeys()).toContain(held);
    expect(await lifecycleWith(held!, (outputs.jwks as string[])[0]!)).toBe(200);
  });
});
