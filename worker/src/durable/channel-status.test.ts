import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { emulatorAdmin, fixture } from "../../test/support/api.ts";
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
    const first = await holder.current(uid, "globex");
    const before = await gets();
    await emulatorAdmin("POST", `/live_inputs/${uid}/status`, { state: "connected" });

    vi.advanceTimersByTime(STATUS_REFRESH_MS - 1_000);
    expect(await holder.current(uid, "globex")).toEqual(first);
    expect(await gets()).toBe(before);

    vi.advanceTimersByTime(2_000);
    const refreshed = await holder.current(uid, "globex");
    expect(refreshed).toMatchObject({ ok: true, snapshot: { state: "connected", connected: true } });
    expect(await gets()).toBe(before + 1);
  });
});
