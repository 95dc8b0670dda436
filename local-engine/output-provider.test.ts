import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import * as z from "zod";
import { scopedToken, useEmulator } from "#emulator/testing.ts";
import { CloudflareRest } from "#infra/cloudflare-rest.ts";
import { StreamLiveInput } from "#infra/providers/stream-live-input.ts";
import { StreamLiveInputOutput } from "#infra/providers/stream-live-input-output.ts";
import { STREAM_LIVE_INPUT_OUTPUT } from "#infra/type-tokens.ts";
import { applyProgram, destroyState, refreshState, type Step } from "./engine.ts";
import { loadState } from "./state-file.ts";
import { deleteInFreshHost, HOST_FOLDER } from "./testing.ts";

/**
 * StreamLiveInputOutput, run the way Pulumi runs it: the serialized provider in Pulumi's
 * dynamic-provider host, driven by the local engine, against the emulator
 * (docs/reference/cloudflare-api.md §1.8).
 */
const ctx = useEmulator();
let dir: string;
let stateFile: string;
let token: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "output-provider-test-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(async () => {
  await ctx.admin.clearFaults();
  stateFile = join(dir, `${crypto.randomUUID()}.json`);
  token = await scopedToken(ctx.emu, ["Stream Write", "Stream Read"]);
});

interface Target {
  name: string;
  url: string;
  streamKey: string;
  enabled?: boolean;
}

const fakeKey = () => randomBytes(16).toString("hex");
const youtube = (streamKey = fakeKey()): Target => ({
  name: "youtube",
  url: "rtmps://a.rtmps.youtube.com/live2",
  streamKey,
});

/** One live input, "show", and an output per target, the stream keys given as secrets as config would. */
const program = (targets: Target[]) => async () => {
  const input = new StreamLiveInput("show", {
    accountId: ctx.emu.accountId,
    meta: { name: "show" },
    enabled: true,
    recording: { mode: "automatic" },
  });
  const outputs = targets.map(
    (t) =>
      new StreamLiveInputOutput(t.name, {
        accountId: ctx.emu.accountId,
        liveInputId: input.uid,
        url: t.url,
        streamKey: pulumi.secret(t.streamKey),
        enabled: t.enabled ?? true,
      }),
  );
  return {
    input: input.uid,
    outputs: pulumi.all(outputs.map((o) => o.uid)),
    keysAreSecret: pulumi.all(outputs.map((o) => pulumi.isSecret(o.streamKey))),
  };
};

const engine = () => ({
  project: "engine-test",
  stack: "test",
  config: { "cloudflare:apiToken": token, "realtime-stack:apiBase": ctx.emu.apiBase },
  api: new CloudflareRest({ baseUrl: ctx.emu.apiBase, token: ctx.emu.adminToken }),
  stateFile,
  cwd: HOST_FOLDER,
});
const apply = (targets: Target[]) => applyProgram({ ...engine(), program: program(targets) });
const ops = (steps: Step[]) => steps.map((s) => `${s.op}:${s.name}`);
const outputsOf = (input: unknown) => ctx.emu.stores.stream.listOutputs(String(input));
const outputPath = (input: unknown, uid = "") =>
  `/accounts/${ctx.emu.accountId}/stream/live_inputs/${String(input)}/outputs${uid ? `/${uid}` : ""}`;

// Each apply runs the program and Pulumi's provider host: a few seconds each on a busy machine.
describe("StreamLiveInputOutput through Pulumi's dynamic-provider host", { timeout: 90_000 }, () => {
  it("creates, then does nothing when nothing changed; the stream key is a secret in the state and to the program", async () => {
    const target = youtube();
    const first = await apply([target]);
    expect(ops(first.steps)).toEqual(["create:show", "create:youtube"]);
    const [made] = outputsOf(first.outputs.input);
    expect(made).toMatchObject({ url: target.url, streamKey: target.streamKey, enabled: true });
    expect(first.outputs.outputs).toEqual([made!.uid]);
    expect(first.outputs.keysAreSecret).toEqual([true]);
    expect(first.state.resources[`${STREAM_LIVE_INPUT_OUTPUT}::youtube`]?.secretOutputs).toContain(
      "streamKey",
    );

    const second = await apply([target]);
    expect(ops(second.steps)).toEqual(["same:show", "same:youtube"]);
    expect(outputsOf(first.outputs.input)).toHaveLength(1);
  });

  it("updates enabled in place: same uid, Cloudflare's output switched", async () => {
    const target = youtube();
    const first = await apply([target]);
    const next = await apply([{ ...target, enabled: false }]);
    expect(ops(next.steps)).toEqual(["same:show", "update:youtube"]);
    expect(next.outputs.outputs).toEqual(first.outputs.outputs);
    expect(outputsOf(first.outputs.input)[0]?.enabled).toBe(false);
  });

  it("a new url or stream key replaces the output: the new one created, then the old one deleted", async () => {
    const target = youtube();
    const first = await apply([target]);
    const [old] = first.outputs.outputs as string[];
    await ctx.admin.clearRequests();
    const moved = await apply([{ ...target, url: "rtmp://live.twitch.tv/app" }]);
    expect(ops(moved.steps)).toEqual(["same:show", "replace:youtube", "delete:youtube"]);
    const [fresh] = moved.outputs.outputs as string[];
    expect(fresh).not.toBe(old);
    expect(outputsOf(first.outputs.input).map((o) => [o.uid, o.url])).toEqual([
      [fresh, "rtmp://live.twitch.tv/app"],
    ]);
    const writes = (await ctx.admin.requests())
      .filter((r) => r.method !== "GET" && r.path.includes("/outputs"))
      .map((r) => `${r.method} ${r.path.split("/").at(-1)}`);
    expect(writes).toEqual(["POST outputs", `DELETE ${old}`]);

    const rekeyed = await apply([{ ...target, url: "rtmp://live.twitch.tv/app", streamKey: fakeKey() }]);
    expect(ops(rekeyed.steps)).toEqual(["same:show", "replace:youtube", "delete:youtube"]);
    expect(outputsOf(first.outputs.input)).toHaveLength(1);
  });

  it("deletes an output the program no longer declares, counts one already gone (404) as deleted, and destroy removes the rest", async () => {
    const target = youtube();
    const twitch = { name: "twitch", url: "rtmp://live.twitch.tv/app", streamKey: fakeKey() };
    const gone = { name: "gone", url: "rtmp://gone.example/app", streamKey: fakeKey() };
    const first = await apply([target, twitch, gone]);
    const input = String(first.outputs.input);
    ctx.emu.stores.stream.deleteOutput(input, outputsOf(input).find((o) => o.url === gone.url)!.uid);
    const next = await apply([target]);
    expect(ops(next.steps).slice(0, 2)).toEqual(["same:show", "same:youtube"]);
    expect(ops(next.steps).slice(2).sort()).toEqual(["delete:gone", "delete:twitch"]);
    expect(outputsOf(input).map((o) => o.url)).toEqual([target.url]);
    await destroyState(engine());
    expect(ctx.emu.stores.stream.list()).toEqual([]);
  });

  it("refresh after an out-of-band delete forgets the output (read through the list); the next apply creates it again", async () => {
    const target = youtube();
    const first = await apply([target]);
    const [uid] = first.outputs.outputs as string[];
    await new CloudflareRest({ baseUrl: ctx.emu.apiBase, token }).call(
      "DELETE",
      outputPath(first.outputs.input, uid),
      z.unknown(),
    );
    expect(ops(await refreshState(engine())).sort()).toEqual(["delete:youtube", "same:show"]);
    const next = await apply([target]);
    expect(ops(next.steps)).toEqual(["same:show", "create:youtube"]);
    expect(outputsOf(first.outputs.input).map((o) => o.uid)).toEqual(next.outputs.outputs);
  });

  it("refresh shows an out-of-band disable as drift; the next apply enables it again in place", async () => {
    const target = youtube();
    const first = await apply([target]);
    const [uid] = first.outputs.outputs as string[];
    ctx.emu.stores.stream.updateOutput(String(first.outputs.input), uid!, false);
    expect(ops(await refreshState(engine())).sort()).toEqual(["same:show", "update:youtube"]);
    const next = await apply([target]);
    expect(ops(next.steps)).toEqual(["same:show", "update:youtube"]);
    expect(outputsOf(first.outputs.input)[0]?.enabled).toBe(true);
  });

  it("refuses a URL that is not RTMP(S) or SRT at check, creating nothing, and never prints the key", async () => {
    const target = { ...youtube(), url: "https://example.com/live" };
    const run = apply([target]);
    await expect(run).rejects.toThrow("url: live input output: must be an rtmp://, rtmps:// or srt:// URL");
    await expect(run).rejects.not.toThrow(target.streamKey);
    expect(ctx.emu.stores.stream.list().flatMap((i) => ctx.emu.stores.stream.listOutputs(i.uid))).toEqual([]);
  });

  for (const as of ["reset", 502] as const) {
    it(`a create whose answer is lost (${as}) becomes the output it made: one output, the state's`, async () => {
      await ctx.admin.addFault({
        method: "POST",
        path: "/client/v4/accounts/*/stream/live_inputs/*/outputs",
        count: 1,
        action: { type: "lose_answer", as },
      });
      const { outputs } = await apply([youtube()]);
      const made = outputsOf(outputs.input);
      expect(made).toHaveLength(1);
      expect(outputs.outputs).toEqual([made[0]!.uid]);
    });
  }

  it("deletes through the provider its state names, in a fresh host", async () => {
    const { state, outputs } = await apply([youtube()]);
    const recorded = structuredClone(state.resources[`${STREAM_LIVE_INPUT_OUTPUT}::youtube`]!);
    await deleteInFreshHost([recorded], {
      "cloudflare:apiToken": token,
      "realtime-stack:apiBase": ctx.emu.apiBase,
    });
    expect(outputsOf(outputs.input)).toEqual([]);
    expect(loadState(stateFile, "test").resources[`${STREAM_LIVE_INPUT_OUTPUT}::youtube`]).toBeDefined();
    expect(readFileSync(stateFile, "utf8")).toContain("secretOutputs");
  });
});
