import { createPrivateKey } from "node:crypto";
import { describe, expect, it } from "vitest";
import { streamSigningKeyCreated } from "#contracts/cloudflare/stream-keys.ts";
import { scopedToken } from "#emulator/testing.ts";
import { conformanceSuite, expectApiError } from "./harness.ts";

const ctx = conformanceSuite();

describe("Stream signing keys through the official SDK", () => {
  it("creates a key whose material comes once, lists ids and times only, and revokes it", async () => {
    const cf = ctx.sdk();
    const account_id = ctx.emu.accountId;
    const empty = await cf.stream.keys.get({ account_id });
    expect(empty.result).toEqual([]);

    const created = streamSigningKeyCreated.parse(await cf.stream.keys.create({ account_id }));
    const pem = Buffer.from(created.pem, "base64").toString();
    expect(pem).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
    const jwk = JSON.parse(Buffer.from(created.jwk, "base64").toString()) as Record<string, string>;
    expect(jwk).toMatchObject({ use: "sig", kty: "RSA", kid: created.id, alg: "RS256", e: "AQAB" });
    // The two encodings are the same private key, 2048 bits as in Cloudflare's example.
    const fromPem = createPrivateKey(pem).export({ format: "jwk" });
    expect(fromPem.n).toBe(jwk.n);
    expect(Buffer.from(jwk.n!, "base64url")).toHaveLength(256);

    const listed = [];
    for await (const key of cf.stream.keys.get({ account_id })) listed.push(key);
    expect(listed).toEqual([{ id: created.id, created: created.created }]);

    expect(await cf.stream.keys.delete(created.id, { account_id })).toBe("Revoked");
    await expectApiError(cf.stream.keys.delete(created.id, { account_id }), 404, 10003);
  });

  it("needs Stream Write to create or revoke and Stream Read to list", async () => {
    const account_id = ctx.emu.accountId;
    const reader = ctx.sdk(await scopedToken(ctx.emu, ["Stream Read"]));
    await expectApiError(reader.stream.keys.create({ account_id }), 403, 10000);
    expect((await reader.stream.keys.get({ account_id })).result).toEqual([]);
  });
});
