import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { emulatorAdmin, fixture } from "../test/support/api.ts";
import { refreshChannels } from "./refresh-channels.ts";

describe("the status refresh cron", () => {
  it("has every channel's status holder read its live input once", async () => {
    // A map of this test's own channel only: other test files count reads of theirs.
    const uid = fixture().liveInputs.acme!.cron!;
    const tenants = {
      acme: { channels: { cron: { liveInputId: uid, playbackBase: "https://example.test" } } },
    };
    const reads = async () =>
      (await emulatorAdmin<unknown[]>("GET", `/requests?method=GET&path=${uid}`)).length;
    const before = await reads();
    await refreshChannels({ ...env, TENANTS: JSON.stringify(tenants) });
    expect(await reads()).toBe(before + 1);
  });
});
