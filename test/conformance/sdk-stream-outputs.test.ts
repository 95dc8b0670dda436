import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { liveInput, liveInputOutput } from "#contracts/cloudflare/stream.ts";
import { OUTPUTS_PER_INPUT } from "#emulator/services/stream/store.ts";
import { conformanceSuite, expectApiError } from "./harness.ts";

const ctx = conformanceSuite();

/** A fake stream key: random, like every secret in the tests. */
const fakeKey = () => randomBytes(16).toString("hex");

describe("Stream live input outputs through the official SDK (docs/reference/cloudflare-api.md §1.8)", () => {
  it("creates (enabled by default), lists, updates enabled only, and deletes", async () => {
    const cf = ctx.sdk();
    const account_id = ctx.emu.accountId;
    const input = liveInput.parse(await cf.stream.liveInputs.create({ account_id }));
    const streamKey = fakeKey();
    const created = liveInputOutput.parse(
      await cf.stream.liveInputs.outputs.create(input.uid, {
        account_id,
        url: "rtmp://a.rtmp.youtube.com/live2",
        streamKey,
      }),
    );
    expect(created).toMatchObject({ url: "rtmp://a.rtmp.youtube.com/live2", streamKey, enabled: true });
    const second = liveInputOutput.parse(
      await cf.stream.liveInputs.outputs.create(input.uid, {
        account_id,
        url: "srt://srt.example.com:9000",
        streamKey: fakeKey(),
        enabled: false,
      }),
    );
    expect(second.enabled).toBe(false);

    const listed = [];
    for await (const o of cf.stream.liveInputs.outputs.list(input.uid, { account_id })) listed.push(o);
    expect(listed.map((o) => o.uid)).toEqual([created.uid, second.uid]);

    const updated = await cf.stream.liveInputs.outputs.update(created.uid, {
      account_id,
      live_input_identifier: input.uid,
      enabled: false,
    });
    expect(updated).toMatchObject({ uid: created.uid, url: created.url, streamKey, enabled: false });

    await cf.stream.liveInputs.outputs.delete(created.uid, { account_id, live_input_identifier: input.uid });
    const after = (await cf.stream.liveInputs.outputs.list(input.uid, { account_id })).result;
    expect(after.map((o) => o.uid)).toEqual([second.uid]);
  });

  it("answers 10003 for a missing live input or output, and a deleted input takes its outputs", async () => {
    const cf = ctx.sdk();
    const account_id = ctx.emu.accountId;
    const missing = "0".repeat(32);
    await expectApiError(cf.stream.liveInputs.outputs.list(missing, { account_id }), 404, 10003);
    await expectApiError(
      cf.stream.liveInputs.outputs.create(missing, {
        account_id,
        url: "rtmp://x.example/app",
        streamKey: "k",
      }),
      404,
      10003,
    );
    const input = liveInput.parse(await cf.stream.liveInputs.create({ account_id }));
    await expectApiError(
      cf.stream.liveInputs.outputs.update(missing, {
        account_id,
        live_input_identifier: input.uid,
        enabled: true,
      }),
      404,
      10003,
    );
    await expectApiError(
      cf.stream.liveInputs.outputs.delete(missing, { account_id, live_input_identifier: input.uid }),
      404,
      10003,
    );
    // Another input's output is not found under this one.
    const other = liveInput.parse(await cf.stream.liveInputs.create({ account_id }));
    const foreign = await cf.stream.liveInputs.outputs.create(other.uid, {
      account_id,
      url: "rtmp://x.example/app",
      streamKey: fakeKey(),
    });
    await expectApiError(
      cf.stream.liveInputs.outputs.delete(foreign.uid!, { account_id, live_input_identifier: input.uid }),
      404,
      10003,
    );
    await cf.stream.liveInputs.delete(other.uid, { account_id });
    expect(ctx.emu.stores.stream.listOutputs(input.uid)).toEqual([]);
    await expectApiError(cf.stream.liveInputs.outputs.list(other.uid, { account_id }), 404, 10003);
  });

  it("refuses a body without url or streamKey, or with another scheme or credentials in the URL, changing nothing", async () => {
    const cf = ctx.sdk();
    const account_id = ctx.emu.accountId;
    const input = liveInput.parse(await cf.stream.liveInputs.create({ account_id }));
    const bad = [
      { url: "https://example.com/live", streamKey: "k" },
      { url: "rtmp://user:pass@example.com/live", streamKey: "k" },
      { url: "rtmp://example.com/live", streamKey: "" },
    ];
    for (const body of bad) {
      await expectApiError(
        cf.stream.liveInputs.outputs.create(input.uid, { account_id, ...body }),
        400,
        10021,
      );
    }
    const made = await cf.stream.liveInputs.outputs.create(input.uid, {
      account_id,
      url: "rtmps://a.rtmps.youtube.com/live2",
      streamKey: fakeKey(),
    });
    await expectApiError(
      cf.stream.liveInputs.outputs.update(made.uid!, {
        account_id,
        live_input_identifier: input.uid,
        enabled: "yes" as unknown as boolean,
      }),
      400,
      10021,
    );
    expect(ctx.emu.stores.stream.listOutputs(input.uid)).toHaveLength(1);
  });

  it(`holds at most ${OUTPUTS_PER_INPUT} outputs per input (the 51st is refused; the error is a guess)`, async () => {
    const cf = ctx.sdk();
    const account_id = ctx.emu.accountId;
    const input = liveInput.parse(await cf.stream.liveInputs.create({ account_id }));
    for (let i = 0; i < OUTPUTS_PER_INPUT; i += 1) {
      ctx.emu.stores.stream.createOutput(input.uid, {
        url: `rtmp://target${i}.example/live`,
        streamKey: fakeKey(),
      });
    }
    await expectApiError(
      cf.stream.liveInputs.outputs.create(input.uid, {
        account_id,
        url: "rtmp://one.more/live",
        streamKey: fakeKey(),
      }),
      400,
      10021,
    );
    expect(ctx.emu.stores.stream.listOutputs(input.uid)).toHaveLength(OUTPUTS_PER_INPUT);
  });
});
