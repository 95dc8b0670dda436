import { afterEach, describe, expect, it, vi } from "vitest";
import { type PlaybackSigner, signPlaybackToken } from "#contracts/playback-token.ts";
import { playbackToken } from "./playback-signer.ts";

async function newSigner(kid: string): Promise<PlaybackSigner> {
  const pair = await crypto.subtle.generateKey(
    {
      name: "RSASSA-PKCS1-v1_5",
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: "SHA-256",
    },
    false,
    ["sign", "verify"],
  );
  return { kid, key: (pair as CryptoKeyPair).privateKey };
}

const exp = () => Math.floor(Date.now() / 1000) + 3600;

describe("playbackToken", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("relies on RS256 giving the same token for the same claims, as signing twice shows", async () => {
    const signer = await newSigner(`k${crypto.randomUUID()}`);
    const claims = { sub: "input-a", exp: exp() };
    expect(await signPlaybackToken(signer, claims)).toBe(await signPlaybackToken(signer, claims));
  });

  it("signs the same claims once and hands out that very token again", async () => {
    const signer = await newSigner(`k${crypto.randomUUID()}`);
    const sign = vi.spyOn(crypto.subtle, "sign");
    const claims = { sub: "input-a", exp: exp() };
    const [first, second] = await Promise.all([
      playbackToken(signer, claims),
      playbackToken(signer, { ...claims }),
    ]);
    expect(second).toBe(first);
    expect(await playbackToken(signer, claims)).toBe(first);
    expect(sign).toHaveBeenCalledTimes(1);
    expect(first).toBe(await signPlaybackToken(signer, claims));
  });

  it("signs anew for another input, another exp, other access rules or another key", async () => {
    const signer = await newSigner(`k${crypto.randomUUID()}`);
    const other = await newSigner(`k${crypto.randomUUID()}`);
    const at = exp();
    const tokens = await Promise.all([
      playbackToken(signer, { sub: "input-a", exp: at }),
      playbackToken(signer, { sub: "input-b", exp: at }),
      playbackToken(signer, { sub: "input-a", exp: at + 1 }),
      playbackToken(signer, {
        sub: "input-a",
        exp: at,
        accessRules: [{ type: "ip.geoip.country", country: ["DE"], action: "block" }],
      }),
      playbackToken(other, { sub: "input-a", exp: at }),
    ]);
    expect(new Set(tokens).size).toBe(tokens.length);
  });
});
