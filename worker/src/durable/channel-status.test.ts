import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { emulatorAdmin, fixture } from "../../test/support/api.ts";
import { channelStatusCaller, channelStatusOf } from "./channel-status.ts";
import { STATUS_REFRESH_MS } from "./status-snapshot.ts";

afterEach(() => {
  vi.useRealTimers();
});

describe("ChannelStatus", () => {
  it("reads Cloudflare again once the refresh interval has passed, and not before", async () => {
    const uid = fixture().liveInputs.globex!.holder!;
    const holder = env.CHANNEL_STATUS.get(env.CHANNEL_STATUS.idFromName(uid));
    const gets = async () =>
      (await emulatorAdmin<unknown[]>("GET", `/requests?method=GET&path=${uid}`)).length;
    vi.useFakeTimers({ toFake: ["Date"] });
    const first = await holder.current(uid, channelStatusCaller(env, "globex"));
    const before = await gets();
    await emulatorAdmin("POST", `/live_inputs/${uid}/status`, { state: "connected" });

    vi.advanceTimersByTime(STATUS_REFRESH_MS - 1_000);
    expect(await holder.current(uid, channelStatusCaller(env, "globex"))).toEqual(first);
    expect(await gets()).toBe(before);

    vi.advanceTimersByTime(2_000);
    const refreshed = await holder.current(uid, channelStatusCaller(env, "globex"));
    expect(refreshed).toMatchObject({
      ok: true,
      snapshot: { state: "connected", connected: true, viewers: 0 },
    });
    // One check on the delivery host: its lifecycle, then the viewer count of the input it found live.
    expect(await gets()).toBe(before + 2);
  });

  it("reads with the caller's API token, and connects again with a new one at once", async () => {
    const uid = fixture().liveInputs.globex!.switch!;
    const holder = channelStatusOf(env, uid);
    const current = { tenantId: "globex", apiToken: fixture().bindings.STREAM_API_TOKEN! };
    const next = { tenantId: "globex", apiToken: fixture().nextStreamToken.secret };
    const readers = async () =>
      (await emulatorAdmin<{ tokenId: string | null }[]>("GET", `/requests?method=GET&path=${uid}`)).map(
        (r) => r.tokenId,
      );
    expect((await holder.keepReady(uid, current)).ok).toBe(true);
    const before = (await readers()).length;
    expect((await holder.keepReady(uid, current)).ok).toBe(true);
    expect(await readers()).toHaveLength(before);
    // A Worker switched to the next token calls a holder that may still run the previous deploy.
    expect((await holder.keepReady(uid, next)).ok).toBe(true);
    expect((await readers()).slice(before)).toEqual([fixture().nextStreamToken.id]);
  });
});
