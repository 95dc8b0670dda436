import { describe, expect, it } from "vitest";
import { CloudflareApiError, CloudflareRest } from "#infra/cloudflare-rest.ts";
import { verifyOwnToken } from "./own-token.ts";

const ACCOUNT = "0123456789abcdef0123456789abcdef";
const USER_VERIFY = "/client/v4/user/tokens/verify";
const ACCOUNT_VERIFY = `/client/v4/accounts/${ACCOUNT}/tokens/verify`;

type Answer = { status: number; code?: number } | "accepts";

/** A Cloudflare API whose two verify endpoints answer as given, in Cloudflare's envelope, and which counts its calls. */
function apiAnswering(answers: Record<string, Answer>) {
  const calls: string[] = [];
  const fetch = async (input: string | URL | Request) => {
    const path = new URL(input instanceof Request ? input.url : input).pathname;
    calls.push(path);
    const answer = answers[path];
    if (answer === "accepts") {
      return Response.json({
        success: true,
        errors: [],
        messages: [],
        result: { id: "tok1", status: "active" },
      });
    }
    const code = answer?.code ?? 1000;
    return Response.json(
      { success: false, errors: [{ code, message: "refused" }], messages: [], result: null },
      { status: answer?.status ?? 404 },
    );
  };
  // A retry policy like the scripts' (infra/providers/host/api.ts): a long deadline, so that a 5xx
  // the check repeated would show as a test that times out.
  const client = new CloudflareRest({
    baseUrl: "http://127.0.0.1:9/client/v4",
    token: "t",
    fetch,
    retry: { deadlineMs: 600_000 },
  });
  return { client, calls };
}

describe("verifyOwnToken", () => {
  it("takes a token the user's verify accepts as the user's, and asks nothing else", async () => {
    const { client, calls } = apiAnswering({ [USER_VERIFY]: "accepts" });
    const own = await verifyOwnToken(client, ACCOUNT);
    expect(own).toMatchObject({ owner: "user", tokens: "/user/tokens", verified: { id: "tok1" } });
    expect(calls).toEqual([USER_VERIFY]);
  });

  it("takes a token the user's verify refuses and the account's accepts as the account's", async () => {
    const { client, calls } = apiAnswering({ [USER_VERIFY]: { status: 401 }, [ACCOUNT_VERIFY]: "accepts" });
    const own = await verifyOwnToken(client, ACCOUNT);
    expect(own).toMatchObject({ owner: "account", tokens: `/accounts/${ACCOUNT}/tokens` });
    expect(calls).toEqual([USER_VERIFY, ACCOUNT_VERIFY]);
  });

  it("does not let an outage of the user's endpoint stop an account-owned token", async () => {
    const { client, calls } = apiAnswering({
      [USER_VERIFY]: { status: 503, code: 10000 },
      [ACCOUNT_VERIFY]: "accepts",
    });
    await expect(verifyOwnToken(client, ACCOUNT)).resolves.toMatchObject({ owner: "account" });
    // The user's endpoint is asked once, not for the retry policy's whole deadline.
    expect(calls).toEqual([USER_VERIFY, ACCOUNT_VERIFY]);
  });

  it("throws the account's refusal when both refuse, and the user's failure when that was not a refusal", async () => {
    const bothRefuse = apiAnswering({
      [USER_VERIFY]: { status: 401 },
      [ACCOUNT_VERIFY]: { status: 403, code: 9109 },
    });
    const refusal = await verifyOwnToken(bothRefuse.client, ACCOUNT).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(CloudflareApiError);
    expect(refusal).toMatchObject({ status: 403 });

    const outage = apiAnswering({
      [USER_VERIFY]: { status: 503, code: 10000 },
      [ACCOUNT_VERIFY]: { status: 401 },
    });
    await expect(verifyOwnToken(outage.client, ACCOUNT)).rejects.toMatchObject({ status: 503 });
  });
});
