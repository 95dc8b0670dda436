import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import sodium from "libsodium-wrappers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as z from "zod";
import { ciSecretStoreFromEnv, GitHubActionsSecrets } from "./ci-secrets.ts";

/**
 * GitHub's Actions secrets API as documented ("Get a repository public key", "Create or update a
 * repository secret"): a Base64 Curve25519 public key with its id; PUT with `encrypted_value` and
 * `key_id`, 201 with `{}` when created, 204 with no body when updated.
 */
interface FakeGitHub {
  url: string;
  token: string;
  keyId: string;
  /** The secrets as the server decrypted them with its private key. */
  opened: Map<string, string>;
  requests: { method: string; path: string; headers: IncomingMessage["headers"] }[];
  close(): Promise<void>;
}

const putBody = z.strictObject({ encrypted_value: z.string(), key_id: z.string() });

async function fakeGitHub(): Promise<FakeGitHub> {
  await sodium.ready;
  const keys = sodium.crypto_box_keypair();
  const token = randomBytes(20).toString("hex");
  const keyId = String(randomBytes(4).readUInt32BE());
  const opened = new Map<string, string>();
  const requests: FakeGitHub["requests"] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    requests.push({ method: req.method!, path: req.url!, headers: req.headers });
    const send = (status: number, body?: unknown) => {
      res.writeHead(status, body === undefined ? {} : { "content-type": "application/json" });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${token}`) return send(401, { message: "Bad credentials" });
    if (req.method === "GET" && req.url === "/repos/acme/stack/actions/secrets/public-key") {
      return send(200, {
        key_id: keyId,
        key: sodium.to_base64(keys.publicKey, sodium.base64_variants.ORIGINAL),
      });
    }
    const put = /^\/repos\/acme\/stack\/actions\/secrets\/([A-Za-z0-9_]+)$/.exec(req.url ?? "");
    if (req.method === "PUT" && put) {
      const body = putBody.safeParse(JSON.parse(Buffer.concat(chunks).toString("utf8")));
      if (!body.success || body.data.key_id !== keyId) return send(422, { message: "Bad request" });
      const sealed = sodium.from_base64(body.data.encrypted_value, sodium.base64_variants.ORIGINAL);
      const plain = sodium.crypto_box_seal_open(sealed, keys.publicKey, keys.privateKey);
      const existed = opened.has(put[1]!);
      opened.set(put[1]!, sodium.to_string(plain));
      return existed ? send(204) : send(201, {});
    }
    send(404, { message: "Not Found" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    token,
    keyId,
    opened,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

let github: FakeGitHub;
beforeAll(async () => {
  github = await fakeGitHub();
});
afterAll(() => github?.close());

describe("GitHub Actions secrets", () => {
  it("seals the value for the repository's key: created, then updated, readable only with the private key", async () => {
    const store = new GitHubActionsSecrets({
      repository: "acme/stack",
      token: github.token,
      apiBase: github.url,
    });
    const first = randomBytes(24).toString("base64url");
    expect(await store.put("CLOUDFLARE_API_TOKEN", first)).toBe("created");
    expect(github.opened.get("CLOUDFLARE_API_TOKEN")).toBe(first);
    const second = randomBytes(24).toString("base64url");
    expect(await store.put("CLOUDFLARE_API_TOKEN", second)).toBe("updated");
    expect(github.opened.get("CLOUDFLARE_API_TOKEN")).toBe(second);

    const puts = github.requests.filter((r) => r.method === "PUT");
    expect(puts).toHaveLength(2);
    for (const r of github.requests) {
      expect(r.headers.accept).toBe("application/vnd.github+json");
      expect(r.headers["x-github-api-version"]).toBe("2022-11-28");
    }
  });

  it("says which permission is missing when GitHub refuses, and sends nothing for a name GitHub would refuse", async () => {
    const store = new GitHubActionsSecrets({ repository: "acme/stack", token: "wrong", apiBase: github.url });
    const error = await store.put("CLOUDFLARE_API_TOKEN", "x".repeat(40)).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 401 });
    expect(String(error)).toContain("Secrets permission");
    expect(String(error)).not.toContain("x".repeat(40));
    const before = github.requests.length;
    await expect(store.put("GITHUB_TOKEN", "v".repeat(40))).rejects.toThrow(
      "not a valid GitHub Actions secret name",
    );
    await expect(store.put("1TOKEN", "v".repeat(40))).rejects.toThrow(
      "not a valid GitHub Actions secret name",
    );
    expect(github.requests.length).toBe(before);
  });

  it("is configured by GITHUB_REPOSITORY and CI_SECRETS_TOKEN, and is absent without them", () => {
    expect(ciSecretStoreFromEnv({})).toBeUndefined();
    expect(ciSecretStoreFromEnv({ GITHUB_REPOSITORY: "acme/stack" })).toBeUndefined();
    expect(
      ciSecretStoreFromEnv({ GITHUB_REPOSITORY: "acme/stack", CI_SECRETS_TOKEN: "t" })?.description,
    ).toBe("GitHub Actions secrets of acme/stack");
  });
});
