import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServerClient, type ServerClient } from "#client/server.ts";
import { authCheck } from "./auth.ts";
import { webhookCheck } from "./webhook.ts";

/** A stand-in Worker whose answer to each probe the test decides. */
let answers: { noKey: number; wrongKey: number; webhook: number };
let server: Server;
let api: ServerClient;

beforeAll(async () => {
  server = createServer((req, res) => {
    const status = req.url?.startsWith("/api/stream/webhook")
      ? answers.webhook
      : req.headers.authorization
        ? answers.wrongKey
        : answers.noKey;
    res.writeHead(status, { "content-type": "application/json" }).end("{}");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  api = createServerClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const tenant = { id: "acme", key: "unused", channels: [{ name: "main" }] };
const signal = () => AbortSignal.timeout(5_000);

describe("auth check", () => {
  it("passes when a missing key and a wrong one each get 401", async () => {
    answers = { noKey: 401, wrongKey: 401, webhook: 401 };
    await expect(authCheck(api, tenant).run(signal())).resolves.toBe("no key: 401, wrong key: 401");
  });

  it("fails a Worker that serves requests without a key, or with a wrong one", async () => {
    answers = { noKey: 200, wrongKey: 401, webhook: 401 };
    await expect(authCheck(api, tenant).run(signal())).rejects.toThrow(
      "a request without a key got HTTP 200, expected 401",
    );
    answers = { noKey: 401, wrongKey: 200, webhook: 401 };
    await expect(authCheck(api, tenant).run(signal())).rejects.toThrow(
      "a request with a wrong key got HTTP 200, expected 401",
    );
  });
});

describe("webhook check", () => {
  it("passes when a notification without cf-webhook-auth gets 401", async () => {
    answers = { noKey: 401, wrongKey: 401, webhook: 401 };
    await expect(webhookCheck(api).run(signal())).resolves.toBe("no secret: 401");
  });

  it("says the route is not deployed when the Worker answers 404", async () => {
    answers = { noKey: 401, wrongKey: 401, webhook: 404 };
    await expect(webhookCheck(api).run(signal())).rejects.toThrow(/has no webhook route .*404.*predates it/);
  });

  it("fails a webhook that accepts an unauthenticated notification", async () => {
    answers = { noKey: 401, wrongKey: 401, webhook: 200 };
    await expect(webhookCheck(api).run(signal())).rejects.toThrow(
      "a notification without cf-webhook-auth got HTTP 200, expected 401",
    );
  });
});
