import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServerClient, type ServerClient } from "#client/server.ts";
import { turnCheck } from "./turn.ts";

/** A stand-in Worker that mints what the test decides. */
let iceServers: unknown[];
let expiresInMs: number;
let server: Server;
let api: ServerClient;

beforeAll(async () => {
  server = createServer((_req, res) => {
    const data = { iceServers, expires_at: new Date(Date.now() + expiresInMs).toISOString() };
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ success: true, data }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  api = createServerClient({
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tenant: "acme",
    key: "k",
  });
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const relay = (urls: string[]) => ({ urls, username: "1700000000:key", credential: "c2VjcmV0" });
const run = () => turnCheck(api, { userId: "smoke-test" }).run(AbortSignal.timeout(5_000));

describe("turn check", () => {
  it("accepts well-formed credentials with the requested lifetime", async () => {
    iceServers = [{ urls: ["stun:127.0.0.1:3478"] }, relay(["turn:127.0.0.1:3478?transport=udp"])];
    expiresInMs = 600_000;
    await expect(run()).resolves.toMatch(/^1 TURN URLs, expiring /);
  });

  it("fails without a TURN server, without credentials, with a bad URL or the wrong lifetime", async () => {
    expiresInMs = 600_000;
    iceServers = [{ urls: ["stun:127.0.0.1:3478"] }];
    await expect(run()).rejects.toThrow("iceServers has no turn: or turns: URL");
    iceServers = [{ urls: ["turn:127.0.0.1:3478"] }];
    await expect(run()).rejects.toThrow("comes without username and credential");
    iceServers = [relay(["turn:127.0.0.1:3478?transport=sctp"])];
    await expect(run()).rejects.toThrow("malformed TURN URL turn:127.0.0.1:3478?transport=sctp");
    iceServers = [relay(["turn:127.0.0.1:3478"])];
    expiresInMs = 86_400_000;
    await expect(run()).rejects.toThrow(/asked for 600 s, the credentials expire at/);
  });
});
