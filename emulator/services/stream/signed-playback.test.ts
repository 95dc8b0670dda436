import { describe, expect, it } from "vitest";
import { cfSuccess } from "#contracts/cloudflare/envelope.ts";
import { liveInput } from "#contracts/cloudflare/stream.ts";
import { streamSigningKeyCreated } from "#contracts/cloudflare/stream-keys.ts";
import { toBase64url } from "#contracts/hmac.ts";
import { importPlaybackKey, type PlaybackClaims, signPlaybackToken } from "#contracts/playback-token.ts";
import { jsonInit, useEmulator } from "../../testing.ts";

/**
 * The delivery host's signed-URL check, driven through the lifecycle endpoint, which passes the
 * same check as manifests, segments and WHEP (those are covered with real media in
 * test/scripts/signed-playback.test.ts).
 */
const ctx = useEmulator();

const createKey = async () =>
  cfSuccess(streamSigningKeyCreated).parse(await (await ctx.api("/stream/keys", { method: "POST" })).json())
    .result;

const createInput = async (requireSignedURLs: boolean) =>
  cfSuccess(liveInput).parse(
    await (
      await ctx.api("/stream/live_inputs", jsonInit("POST", { recording: { requireSignedURLs } }))
    ).json(),
  ).result;

const lifecycleOf = (input: { webRTCPlayback: { url: string } }, id: string) =>
  `${input.webRTCPlayback.url.replace(/\/[^/]+\/webRTC\/play$/, "")}/${id}/lifecycle`;

const nowSeconds = () => Math.floor(Date.now() / 1000);

async function signed(key: { id: string; jwk: string }, claims: Partial<PlaybackClaims> & { sub: string }) {
  return signPlaybackToken(await importPlaybackKey(key.id, key.jwk), { exp: nowSeconds() + 300, ...claims });
}

const segments = (token: string) => token.split(".") as [string, string, string];
const encode = (value: unknown) => toBase64url(new TextEncoder().encode(JSON.stringify(value)));

describe("signed playback on the delivery host", () => {
  it("refuses an unsigned uid of a private input with 401, and plays a public one by uid", async () => {
    const privateInput = await createInput(true);
    const publicInput = await createInput(false);
    const refused = await fetch(lifecycleOf(privateInput, privateInput.uid));
    expect(refused.status).toBe(401);
    expect(await refused.text()).toBe("This live input requires a signed URL");
    expect((await fetch(lifecycleOf(publicInput, publicInput.uid))).status).toBe(200);
  });

  it("plays a token signed with one of the account's keys, in place of the uid", async () => {
    const key = await createKey();
    const input = await createInput(true);
    const res = await fetch(lifecycleOf(input, await signed(key, { sub: input.uid })));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ isInput: true, live: false });
  });

  it("accepts exp and nbf as numeric strings, as in Cloudflare's own /token sample", async () => {
    const key = await createKey();
    const input = await createInput(true);
    const signer = await importPlaybackKey(key.id, key.jwk);
    const claims = { sub: input.uid, exp: String(nowSeconds() + 60), nbf: String(nowSeconds() - 60) };
    const token = await signPlaybackToken(signer, claims as unknown as PlaybackClaims);
    expect((await fetch(lifecycleOf(input, token))).status).toBe(200);
  });

  it("refuses expired, not yet valid, too far ahead, wrong kid, a deleted input's, tampered, alg none and deleted-key tokens", async () => {
    const key = await createKey();
    const other = await createKey();
    const input = await createInput(true);
    const otherInput = await createInput(true);
    const goneInput = await createInput(true);
    await ctx.api(`/stream/live_inputs/${goneInput.uid}`, { method: "DELETE" });
    const good = await signed(key, { sub: input.uid });
    const [head, body, signature] = segments(good);
    const payload = JSON.parse(Buffer.from(body, "base64url").toString()) as Record<string, unknown>;
    const wrongKid = [
      encode({ alg: "RS256", kid: other.id }),
      encode({ ...payload, kid: other.id }),
      signature,
    ];
    const cases: Record<string, string> = {
      expired: await signed(key, { sub: input.uid, exp: nowSeconds() - 1 }),
      "not valid yet": await signed(key, { sub: input.uid, nbf: nowSeconds() + 600 }),
      "exp beyond 24 hours": await signed(key, { sub: input.uid, exp: nowSeconds() + 86_400 + 600 }),
      "wrong kid": wrongKid.join("."),
      "unknown kid": [
        encode({ alg: "RS256", kid: "0".repeat(32) }),
        encode({ ...payload, kid: "0".repeat(32) }),
        signature,
      ].join("."),
      "a deleted input's": await signed(key, { sub: goneInput.uid }),
      tampered: [head, encode({ ...payload, exp: nowSeconds() + 3_600 }), signature].join("."),
      "alg none": [encode({ alg: "none", kid: key.id }), body, ""].join("."),
      "header and payload kid differ": [head, encode({ ...payload, kid: other.id }), signature].join("."),
    };
    for (const [what, token] of Object.entries(cases)) {
      expect({ what, status: (await fetch(lifecycleOf(input, token))).status }).toEqual({
        what,
        status: 401,
      });
    }
    expect((await fetch(lifecycleOf(input, good))).status).toBe(200);
    // The token stands in for its own input: another input's token shows that input, never this one.
    await ctx.admin.setLiveInputState(input.uid, "connected");
    const others = await fetch(lifecycleOf(input, await signed(key, { sub: otherInput.uid })));
    expect(await others.json()).toMatchObject({ isInput: true, live: false });
    const deleted = await ctx.api(`/stream/keys/${key.id}`, { method: "DELETE" });
    expect(await deleted.json()).toMatchObject({ success: true, result: "Revoked" });
    expect((await fetch(lifecycleOf(input, good))).status).toBe(401);
  });

  it("applies access rules first to last: a matching block refuses, an earlier allow wins, no match plays", async () => {
    const key = await createKey();
    const input = await createInput(true);
    const play = async (accessRules: NonNullable<PlaybackClaims["accessRules"]>) =>
      (await fetch(lifecycleOf(input, await signed(key, { sub: input.uid, accessRules })))).status;
    expect(await play([{ type: "ip.src", action: "block", ip: ["127.0.0.0/8"] }])).toBe(401);
    expect(
      await play([
        { type: "ip.src", action: "allow", ip: ["127.0.0.1"] },
        { type: "any", action: "block" },
      ]),
    ).toBe(200);
    // The emulator knows no viewer's country (XX), so a country allow-list with a final block refuses.
    expect(
      await play([
        { type: "ip.geoip.country", action: "allow", country: ["GB"] },
        { type: "any", action: "block" },
      ]),
    ).toBe(401);
    // An IPv6 range never applies to an IPv4 viewer.
    expect(await play([{ type: "ip.src", action: "block", ip: ["::/0"] }])).toBe(200);
    const six = Array.from({ length: 6 }, () => ({ type: "any", action: "allow" }) as const);
    expect(await play(six)).toBe(401);
  });
});
