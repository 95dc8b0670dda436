import { describe, expect, it } from "vitest";
import { parseTurnUrl, probeableTurnUrl } from "./turn-url.ts";

describe("parseTurnUrl (RFC 7065)", () => {
  it("reads host, port and transport, with the defaults of each scheme", () => {
    expect(parseTurnUrl("turn:turn.cloudflare.com:3478?transport=udp")).toMatchObject({
      secure: false,
      host: "turn.cloudflare.com",
      port: 3478,
      transport: "udp",
    });
    expect(parseTurnUrl("turn:127.0.0.1")).toMatchObject({ port: 3478, transport: "udp" });
    expect(parseTurnUrl("turns:turn.cloudflare.com:443?transport=tcp")).toMatchObject({
      secure: true,
      port: 443,
    });
    expect(parseTurnUrl("turns:example.com")).toMatchObject({ port: 5349, transport: "tcp" });
    expect(parseTurnUrl("turn:[2001:db8::1]:3478?transport=tcp")).toMatchObject({
      host: "2001:db8::1",
      transport: "tcp",
    });
  });

  it("rejects what is not a TURN URL", () => {
    for (const bad of [
      "stun:stun.cloudflare.com:3478",
      "turn:",
      "turn:host:99999",
      "turn:host?transport=sctp",
      "http://x",
    ]) {
      expect(parseTurnUrl(bad)).toBeUndefined();
    }
  });
});

describe("probeableTurnUrl", () => {
  it("prefers UDP, falls back to TCP, never TLS, and carries the credentials", () => {
    const servers = [
      { urls: ["stun:stun.example:3478"] },
      {
        urls: [
          "turns:t.example:443?transport=tcp",
          "turn:t.example:80?transport=tcp",
          "turn:t.example:3478?transport=udp",
        ],
        username: "u",
        credential: "c",
      },
    ];
    expect(probeableTurnUrl(servers)).toMatchObject({
      port: 3478,
      transport: "udp",
      username: "u",
      credential: "c",
    });
    expect(
      probeableTurnUrl([
        { ...servers[1]!, urls: ["turns:t.example:443", "turn:t.example:80?transport=tcp"] },
      ]),
    ).toMatchObject({
      port: 80,
      transport: "tcp",
    });
    expect(
      probeableTurnUrl([{ urls: "turns:t.example:443", username: "u", credential: "c" }]),
    ).toBeUndefined();
    expect(probeableTurnUrl([{ urls: "turn:t.example:3478" }])).toBeUndefined();
  });
});
