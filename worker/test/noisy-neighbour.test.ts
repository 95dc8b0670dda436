import { afterEach, describe, expect, it, vi } from "vitest";
import { apiFailure, apiSuccess } from "#contracts/api/envelope.ts";
import { sfuSessionData } from "#contracts/api/realtime.ts";
import { UPSTREAM_LIMITS } from "#contracts/cloudflare/limits.ts";
import { upstreamShares } from "#contracts/worker/upstream-shares.ts";
import { type Answer, call, callAs, emulatorAdmin, fixture } from "./support/api.ts";

/**
 * Tenant `noisy` (a share of 5 Cloudflare API calls per 5 minutes and of 3 TURN credentials a
 * second, 8 channels) bursts connects over all its channels, TURN credentials, and reads of its own
 * SFU session, while tenant `quiet` reads its status, mints TURN credentials and creates an SFU
 * session. The upstream calls are counted where they land: the emulator's request log.
 */
const liveInputs = (tenant: string) => Object.values(fixture().liveInputs[tenant]!);
const upstreamCalls = async (pathPart: string) =>
  (await emulatorAdmin<unknown[]>("GET", `/requests?path=${pathPart}`)).length;
/** TURN credentials minted upstream for this tenant: the Worker names it in `customIdentifier`. */
const turnCallsOf = async (tenant: string) =>
  (
    await emulatorAdmin<{ body?: { customIdentifier?: string } }[]>(
      "GET",
      "/requests?path=/generate-ice-servers",
    )
  ).filter((entry) => entry.body?.customIdentifier?.split(":")[0] === tenant).length;
const countAll = async (parts: string[]) =>
  (await Promise.all(parts.map(upstreamCalls))).reduce((sum, n) => sum + n, 0);

const expectThrottled = (res: Answer, budget: string) => {
  expect(res.status).toBe(429);
  expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  expect(apiFailure.parse(res.json).error).toMatchObject({ code: "rate_limited", details: { budget } });
};

afterEach(() => {
  vi.useRealTimers();
});

describe("a noisy neighbour", () => {
  it("is throttled at its own shares while the quiet tenant's status, TURN and SFU calls all succeed", async () => {
    const { tenants } = fixture();
    const shares = upstreamShares(tenants.tenants, {
      per5Minutes: tenants.cloudflareApiPer5Minutes,
      liveInputs: Object.values(tenants.tenants).reduce((n, t) => n + Object.keys(t.channels).length, 0),
    });
    const noisyShare = shares.get("noisy")!;
    expect(noisyShare.cloudflareApiPer5Minutes).toBe(5);
    const session = apiSuccess(sfuSessionData).parse(
      (
        await callAs("noisy", "/api/realtime/sfu", {
          method: "POST",
          body: { room_id: "burst", user_id: "noisy", user_name: "Noisy" },
        })
      ).json,
    ).data;
    // One instant, so that the per-second share of the session is exactly one window.
    vi.useFakeTimers({ toFake: ["Date"] });
    const noisyInputs = liveInputs("noisy");
    const before = {
      noisyApi: await countAll(noisyInputs),
      quietApi: await countAll(liveInputs("quiet")),
      session: await upstreamCalls(session.session_id),
      turn: await turnCallsOf("noisy"),
    };

    const connects = Object.keys(fixture().liveInputs.noisy!).flatMap((channel) =>
      Array.from({ length: 25 }, () =>
        callAs("noisy", "/api/stream/connect", { method: "POST", body: { channel } }),
      ),
    );
    const sessionReads = Array.from({ length: 200 }, () =>
      call(`/api/realtime/sfu/sessions/${session.session_id}`, { tenant: "noisy", bearer: session.token }),
    );
    const turns = Array.from({ length: 30 }, (_, i) =>
      callAs("noisy", "/api/realtime/turn", { method: "POST", body: { user_id: `u${i}` } }),
    );
    const quiet = [
      callAs("quiet", "/api/stream/status?channel=live"),
      callAs("quiet", "/api/stream/status"),
      callAs("quiet", "/api/realtime/turn", { method: "POST", body: { user_id: "q" } }),
      callAs("quiet", "/api/realtime/sfu", {
        method: "POST",
        body: { room_id: "calm", user_id: "q", user_name: "Q" },
      }),
    ];
    const [connected, read, minted, calm] = await Promise.all([
      Promise.all(connects),
      Promise.all(sessionReads),
      Promise.all(turns),
      Promise.all(quiet),
    ]);

    for (const res of calm) expect(res.status, res.text).toBeLessThan(300);

    // Connects: one read per channel while the share lasts, answered to every connect of that
    // channel; the channels past the share get 429 before anything is sent.
    const refusedConnects = connected.filter((res) => res.status !== 200);
    for (const res of refusedConnects) expectThrottled(res, "cloudflare_api");
    expect(connected.filter((res) => res.status === 200).length).toBe(
      25 * noisyShare.cloudflareApiPer5Minutes,
    );
    const noisyApi = (await countAll(noisyInputs)) - before.noisyApi;
    expect(noisyApi).toBe(noisyShare.cloudflareApiPer5Minutes);

    // Session reads: Cloudflare's 50 a second for the session, the rest refused here.
    const proxied = read.filter((res) => res.status === 200).length;
    for (const res of read.filter((r) => r.status !== 200)) expectThrottled(res, "sfu_session");
    expect(proxied).toBe(noisyShare.sfuCallsPerSessionPerSecond);
    expect((await upstreamCalls(session.session_id)) - before.session).toBe(proxied);

    // TURN: the tenant's share of issuance a second, the rest refused here.
    for (const res of minted.filter((r) => r.status !== 200)) expectThrottled(res, "turn");
    expect(minted.filter((res) => res.status === 200).length).toBe(noisyShare.turnCredentialsPerSecond);
    expect((await turnCallsOf("noisy")) - before.turn).toBe(noisyShare.turnCredentialsPerSecond);

    // The quiet tenant's own reads came from its own share; both stay within Cloudflare's budget.
    const quietApi = (await countAll(liveInputs("quiet"))) - before.quietApi;
    expect(quietApi).toBeLessThanOrEqual(1);
    // All tenants' shares fit the Worker's configured budget, itself within Cloudflare's.
    const everyShare = [...shares.values()].reduce((sum, s) => sum + s.cloudflareApiPer5Minutes, 0);
    expect(everyShare).toBeLessThanOrEqual(tenants.cloudflareApiPer5Minutes);
    expect(tenants.cloudflareApiPer5Minutes).toBeLessThanOrEqual(UPSTREAM_LIMITS.cloudflareApiPer5Minutes);
    expect(noisyApi + quietApi).toBeLessThanOrEqual(tenants.cloudflareApiPer5Minutes);
  });
});
