import { describe, expect, it } from "vitest";
import * as z from "zod";
import { cfSuccess } from "#contracts/cloudflare/envelope.ts";
import { liveInput, liveInputList, streamVideo } from "#contracts/cloudflare/stream.ts";
import { scopedToken } from "#emulator/testing.ts";
import { conformanceSuite, expectApiError } from "./harness.ts";

const ctx = conformanceSuite();

describe("Stream live inputs through the official SDK", () => {
  it("creates, gets, lists, updates and deletes; every raw response matches the OpenAPI subset", async () => {
    const cf = ctx.sdk();
    const account_id = ctx.emu.accountId;
    const created = liveInput.parse(
      await cf.stream.liveInputs.create({
        account_id,
        meta: { name: "show" },
        recording: { mode: "automatic", timeoutSeconds: 10 },
        deleteRecordingAfterDays: 45,
      }),
    );
    expect(created.recording).toMatchObject({ mode: "automatic", timeoutSeconds: 10 });

    await ctx.admin.setLiveInputState(created.uid, "connected");
    const got = liveInput.parse(await cf.stream.liveInputs.get(created.uid, { account_id }));
    expect(got.status).toBe("connected");

    const list = liveInputList.parse(await cf.stream.liveInputs.list({ account_id, include_counts: true }));
    expect(list.liveInputs.map((i) => i.uid)).toEqual([created.uid]);

    const updated = liveInput.parse(
      await cf.stream.liveInputs.update(created.uid, {
        account_id,
        enabled: false,
        meta: { name: "renamed" },
      }),
    );
    expect(updated).toMatchObject({ enabled: false, meta: { name: "renamed" } });

    await cf.stream.liveInputs.delete(created.uid, { account_id });
    await expectApiError(cf.stream.liveInputs.get(created.uid, { account_id }), 404, 10007);

    const validated = ctx.covered().map((e) => `${e.method} ${e.status}`);
    expect(validated).toEqual(["POST 200", "GET 200", "GET 200", "PUT 200", "DELETE 200", "GET 404"]);
  });

  it("rotates keys by raw fetch, since the SDK has no rotate_keys", async () => {
    const account_id = ctx.emu.accountId;
    const created = liveInput.parse(await ctx.sdk().stream.liveInputs.create({ account_id }));
    const res = await fetch(
      `${ctx.emu.apiBase}/accounts/${account_id}/stream/live_inputs/${created.uid}/rotate_keys`,
      {
        method: "POST",
        headers: { authorization: `Bearer ${ctx.emu.adminToken}` },
      },
    );
    const rotated = cfSuccess(liveInput).parse(await res.json()).result;
    expect(rotated.rtmps.streamKey).not.toBe(created.rtmps.streamKey);
    const reread = liveInput.parse(await ctx.sdk().stream.liveInputs.get(created.uid, { account_id }));
    expect(reread.rtmps.streamKey).toBe(rotated.rtmps.streamKey);
    expect(z.iso.datetime().safeParse(reread.keysRotatedAt).success).toBe(true);
  });

  it("lists a recorded input's broadcasts as videos, and deletes one, through client.stream", async () => {
    const cf = ctx.sdk();
    const account_id = ctx.emu.accountId;
    const recorded = liveInput.parse(
      await cf.stream.liveInputs.create({
        account_id,
        recording: { mode: "automatic" },
        deleteRecordingAfterDays: 30,
      }),
    );
    const unrecorded = liveInput.parse(await cf.stream.liveInputs.create({ account_id }));
    for (const uid of [recorded.uid, unrecorded.uid]) {
      await ctx.admin.setLiveInputState(uid, "connected");
      await ctx.admin.setLiveInputState(uid, "client_disconnect");
    }
    await ctx.admin.setLiveInputState(recorded.uid, "connected");

    const videos = [];
    for await (const v of cf.stream.list({ account_id, live_input_id: recorded.uid }))
      videos.push(streamVideo.parse(v));
    expect(videos.map((v) => v.status?.state)).toEqual(["live-inprogress", "ready"]);
    expect(videos.every((v) => v.liveInput === recorded.uid)).toBe(true);
    const [live, past] = videos as [z.infer<typeof streamVideo>, z.infer<typeof streamVideo>];
    expect(past.readyToStream).toBe(true);
    expect(Date.parse(past.scheduledDeletion!) - Date.parse(past.created)).toBe(30 * 86_400_000);
    // The lifecycle endpoint names the live one as the input's current video.
    const lifecycle = await (
      await fetch(`${recorded.webRTCPlayback.url.replace(/\/webRTC\/play$/, "")}/lifecycle`)
    ).json();
    expect(lifecycle).toMatchObject({ videoUID: live.uid, live: true });

    const all = [];
    for await (const v of cf.stream.list({ account_id })) all.push(v);
    expect(all).toHaveLength(2); // the unrecorded input made none

    await cf.stream.delete(past.uid, { account_id });
    await expectApiError(cf.stream.get(past.uid, { account_id }), 404, 10007);
    expect(streamVideo.parse(await cf.stream.get(live.uid, { account_id })).uid).toBe(live.uid);
    const reader = ctx.sdk(await scopedToken(ctx.emu, ["Stream Read"]));
    await expectApiError(reader.stream.delete(live.uid, { account_id }), 403, 10000);
  });

  it("surfaces 403 as Cloudflare.APIError for a token without Stream Write", async () => {
    const reader = ctx.sdk(await scopedToken(ctx.emu, ["Stream Read"]));
    const account_id = ctx.emu.accountId;
    expect(liveInputList.parse(await reader.stream.liveInputs.list({ account_id })).total).toBe(0);
    await expectApiError(reader.stream.liveInputs.create({ account_id }), 403, 10000);
  });
});
