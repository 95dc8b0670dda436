import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import * as z from "zod";
import { EmulatorAdmin } from "#emulator/admin-client.ts";
import { type RunningEmulator, startEmulator } from "#emulator/server.ts";
import { scopedToken } from "#emulator/testing.ts";
import { CloudflareRest } from "#infra/cloudflare-rest.ts";
import { PROVIDER_ENTRY } from "#infra/providers/provider-of.ts";
import { RealtimeTurnKey } from "#infra/providers/realtime-turn-key.ts";
import { StreamLiveInput, type StreamLiveInputArgs } from "#infra/providers/stream-live-input.ts";
import { REALTIME_TURN_KEY, STREAM_LIVE_INPUT } from "#infra/type-tokens.ts";
import { applyProgram, destroyState, refreshState, type Step } from "./engine.ts";
import { loadState } from "./state-file.ts";
import { deleteInFreshHost, HOST_FOLDER, packedProvider, REPO_ROOT } from "./testing.ts";

/**
 * The project's own providers, run the way Pulumi runs them: the program's serialized providers
 * in Pulumi's dynamic-provider host (node_modules/@pulumi/pulumi/cmd/dynamic-provider), driven over
 * its gRPC interface by the local engine, against the emulator.
 */
let emu: RunningEmulator;
let admin: EmulatorAdmin;
let dir: string;
let stateFile: string;
let token: string;

beforeAll(async () => {
  emu = await startEmulator();
  admin = new EmulatorAdmin(emu.url, emu.adminToken);
  dir = mkdtempSync(join(tmpdir(), "engine-test-"));
});
afterAll(async () => {
  await emu.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await admin.reset();
  await admin.clearFaults();
  stateFile = join(dir, `${crypto.randomUUID()}.json`);
  token = await deployToken();
});

/** A deploy token with just what these resources need, as a user would create one. */
const deployToken = () => scopedToken(emu, ["Stream Write", "Stream Read", "Calls Write", "Calls Read"]);

interface Channel {
  name: string;
  recording?: boolean;
  lowLatency?: boolean;
}

/** A tiny program: one live input per channel and one TURN key per name, exporting their ids. */
const program =
  (channels: Channel[], turnKeys: string[] = []) =>
  async () => {
    const inputs = channels.map(
      (c) =>
        new StreamLiveInput(c.name, {
          accountId: emu.accountId,
          meta: { name: c.name },
          enabled: true,
          recording: { mode: c.recording === false ? "off" : "automatic" },
          preferLowLatency: c.lowLatency ?? false,
        }),
    );
    const keys = turnKeys.map((n) => new RealtimeTurnKey(n, { accountId: emu.accountId, name: n }));
    return {
      uids: pulumi.all(inputs.map((i) => i.uid)),
      streamKeys: pulumi.all(inputs.map((i) => i.streamKey)),
      keyIds: pulumi.all(keys.map((k) => k.uid)),
    };
  };

const engine = (withToken = () => token) => ({
  project: "engine-test",
  stack: "test",
  config: { "cloudflare:apiToken": withToken(), "realtime-stack:apiBase": emu.apiBase },
  api: new CloudflareRest({ baseUrl: emu.apiBase, token: emu.adminToken }),
  stateFile,
  cwd: HOST_FOLDER,
});

const apply = (channels: Channel[], turnKeys: string[] = []) =>
  applyProgram({ ...engine(), program: program(channels, turnKeys) });

/** A program of one live input, "a", with no meta unless the settings give one. */
const applyInput = (settings: Partial<StreamLiveInputArgs>) =>
  applyProgram({
    ...engine(),
    program: async () => ({
      uid: new StreamLiveInput("a", {
        accountId: emu.accountId,
        meta: {},
        enabled: true,
        recording: { mode: "off" },
        ...settings,
      }).uid,
    }),
  });

const ops = (steps: Step[]) => steps.map((s) => `${s.op}:${s.name}`);
const liveInputs = () => emu.stores.stream.list();
const liveInput = (uid: string) => emu.stores.stream.get(uid);
const turnKeys = () => emu.stores.calls.list("turnKeys");
const uids = (outputs: Record<string, unknown>) => outputs.uids as string[];

const LIVE_INPUTS = "/client/v4/accounts/*/stream/live_inputs";
const TURN_KEYS = "/client/v4/accounts/*/calls/turn_keys";
/** What the emulator logged of `method` calls under `path`, the account's id in place of `*`. */
const logged = async (method: string, path: string) =>
  (await admin.requests({ method })).filter((r) => r.path.startsWith(path.replace("*", emu.accountId)));

describe("the project's providers through Pulumi's dynamic-provider host", () => {
  it("creates, then does nothing when nothing changed", async () => {
    const first = await apply([{ name: "a" }, { name: "b" }]);
    expect(ops(first.steps).sort()).toEqual(["create:a", "create:b"]);
    expect(
      liveInputs()
        .map((i) => i.uid)
        .sort(),
    ).toEqual([...uids(first.outputs)].sort());
    expect(first.state.resources[`${STREAM_LIVE_INPUT}::a`]?.type).toBe(STREAM_LIVE_INPUT);

    const second = await apply([{ name: "a" }, { name: "b" }]);
    expect(ops(second.steps).sort()).toEqual(["same:a", "same:b"]);
    expect(second.outputs.uids).toEqual(first.outputs.uids);
    expect(liveInputs()).toHaveLength(2);
  });

  it("toggles recording and low latency in place: same uid, new settings on Cloudflare", async () => {
    const first = await apply([{ name: "a", recording: false }]);
    const [uid] = uids(first.outputs);
    expect(liveInput(uid!)).toMatchObject({ recording: { mode: "off" }, preferLowLatency: false });

    const second = await apply([{ name: "a", recording: true, lowLatency: true }]);
    expect(ops(second.steps)).toEqual(["update:a"]);
    expect(uids(second.outputs)).toEqual([uid]);
    expect(liveInput(uid!)).toMatchObject({ recording: { mode: "automatic" }, preferLowLatency: true });

    const third = await apply([{ name: "a", recording: true, lowLatency: false }]);
    expect(ops(third.steps)).toEqual(["update:a"]);
    expect(liveInput(uid!)?.preferLowLatency).toBe(false);
  });

  it("deletes the input of a channel the program no longer declares, last", async () => {
    const first = await apply([{ name: "a" }, { name: "b" }]);
    const next = await apply([{ name: "a" }, { name: "c" }]);
    // a and c register at once, and either may finish first; the delete waits for both.
    expect(ops(next.steps).slice(0, 2).sort()).toEqual(["create:c", "same:a"]);
    expect(ops(next.steps).at(-1)).toBe("delete:b");
    expect(liveInput(uids(first.outputs)[1]!)).toBeUndefined();
    expect(
      liveInputs()
        .map((i) => (i.meta as { name: string }).name)
        .sort(),
    ).toEqual(["a", "c"]);
  });

  it("rotates a generation: the new key is created, the old one deleted after", async () => {
    const first = await apply([], ["turn-b-g1"]);
    const [old] = first.outputs.keyIds as string[];
    const next = await apply([], ["turn-b-g2"]);
    expect(ops(next.steps)).toEqual(["create:turn-b-g2", "delete:turn-b-g1"]);
    const [fresh] = next.outputs.keyIds as string[];
    expect(fresh).not.toBe(old);
    expect(turnKeys().map((k) => k.uid)).toEqual([fresh]);
  });

  it("renames a TURN key in place", async () => {
    const first = await applyProgram({
      ...engine(),
      program: async () => ({ id: new RealtimeTurnKey("k", { accountId: emu.accountId, name: "one" }).uid }),
    });
    const second = await applyProgram({
      ...engine(),
      program: async () => ({ id: new RealtimeTurnKey("k", { accountId: emu.accountId, name: "two" }).uid }),
    });
    expect(ops(second.steps)).toEqual(["update:k"]);
    expect(second.outputs.id).toBe(first.outputs.id);
    expect(emu.stores.calls.get("turnKeys", first.outputs.id as string)?.name).toBe("two");
  });

  it("keeps the credentials secret: marked in the state, handed to the program as secrets", async () => {
    const declare = program([{ name: "a" }], ["k"]);
    const { state, outputs } = await applyProgram({
      ...engine(),
      program: async () => {
        const exported = await declare();
        return { ...exported, streamKeysAreSecret: pulumi.isSecret(exported.streamKeys) };
      },
    });
    expect(outputs.streamKeysAreSecret).toBe(true);
    expect(state.resources[`${STREAM_LIVE_INPUT}::a`]?.secretOutputs).toEqual([
      "srtPassphrase",
      "streamKey",
      "whipUrl",
    ]);
    expect(state.resources[`${REALTIME_TURN_KEY}::k`]?.secretOutputs).toEqual(["key"]);
    expect((outputs.streamKeys as string[])[0]).toBe(liveInputs()[0]?.streamKey);
  });

  it("refresh after an out-of-band delete forgets the input; the next apply creates it again", async () => {
    const first = await apply([{ name: "a" }]);
    const [uid] = uids(first.outputs);
    await new CloudflareRest({ baseUrl: emu.apiBase, token }).call(
      "DELETE",
      `/accounts/${emu.accountId}/stream/live_inputs/${uid}`,
      z.unknown(),
    );
    expect(liveInput(uid!)).toBeUndefined();

    const refreshed = await refreshState(engine());
    expect(ops(refreshed)).toEqual(["delete:a"]);
    expect(loadState(stateFile, "test").resources).toEqual({});

    const next = await apply([{ name: "a" }]);
    expect(ops(next.steps)).toEqual(["create:a"]);
    expect(liveInput(uids(next.outputs)[0]!)).toBeDefined();
  });

  it("refresh after an out-of-band change shows it as a diff; the next apply puts it back in place", async () => {
    const first = await apply([{ name: "a", recording: true }]);
    const [uid] = uids(first.outputs);
    // Someone switches it off in the dashboard.
    await new CloudflareRest({ baseUrl: emu.apiBase, token }).call(
      "PUT",
      `/accounts/${emu.accountId}/stream/live_inputs/${uid}`,
      z.unknown(),
      { enabled: false, recording: { mode: "off" } },
    );

    const refreshed = await refreshState(engine());
    expect(refreshed).toEqual([
      { op: "update", type: STREAM_LIVE_INPUT, name: "a", diffs: ["enabled", "modified", "recording"] },
    ]);

    const next = await apply([{ name: "a", recording: true }]);
    expect(ops(next.steps)).toEqual(["update:a"]);
    expect(uids(next.outputs)).toEqual([uid]);
    expect(liveInput(uid!)).toMatchObject({ enabled: true, recording: { mode: "automatic" } });
  });

  it("a refresh that finds nothing changed changes nothing", async () => {
    await apply([{ name: "a" }], ["k"]);
    const refreshed = await refreshState(engine());
    expect(ops(refreshed).sort()).toEqual(["same:a", "same:k"]);
  });

  it("a refresh reads the resources side by side, as Pulumi's --parallel does", async () => {
    await apply([{ name: "a" }, { name: "b" }, { name: "c" }, { name: "d" }]);
    // Each read is answered a second late, so reads made one after another could not overlap.
    await admin.addFault({
      method: "GET",
      path: `${LIVE_INPUTS}/*`,
      count: 4,
      action: { type: "latency", ms: 1_000 },
    });
    const refreshed = await refreshState(engine());
    expect(ops(refreshed).sort()).toEqual(["same:a", "same:b", "same:c", "same:d"]);
    const reads = await logged("GET", `${LIVE_INPUTS}/`);
    expect(reads.map((r) => r.fault)).toEqual(["latency", "latency", "latency", "latency"]);
    const ends = reads.map((r) => Date.parse(r.time));
    const starts = reads.map((r, i) => ends[i]! - r.durationMs);
    expect(Math.max(...starts)).toBeLessThan(Math.min(...ends));
  });

  it("destroy removes everything, newest first", async () => {
    const { state } = await apply([{ name: "a" }, { name: "b" }], ["k"]);
    const newestFirst = Object.values(state.resources)
      .sort((x, y) => y.seq - x.seq)
      .map((r) => `delete:${r.name}`);
    const steps = await destroyState(engine());
    expect(newestFirst).toHaveLength(3);
    expect(ops(steps)).toEqual(newestFirst);
    expect(liveInputs()).toEqual([]);
    expect(turnKeys()).toEqual([]);
    expect(loadState(stateFile, "test")).toMatchObject({ resources: {}, pendingDeletes: [] });
  });

  it("deleting what is already gone counts as done (404)", async () => {
    const first = await apply([{ name: "a" }, { name: "b" }]);
    emu.stores.stream.delete(uids(first.outputs)[1]!);
    const next = await apply([{ name: "a" }]);
    expect(ops(next.steps)).toEqual(["same:a", "delete:b"]);
  });

  it("refuses bad inputs at check, with the contract's message, creating nothing", async () => {
    const bad = applyInput({ recording: { mode: "automatic" }, deleteRecordingAfterDays: 7 });
    await expect(bad).rejects.toThrow(
      "check failed: deleteRecordingAfterDays: live input: Too small: expected number to be >=30",
    );
    expect(liveInputs()).toEqual([]);
  });
});

describe("the deploy token", () => {
  it("comes from the stack config at run time: rotating it changes no resource, and deletes use the new one", async () => {
    await apply([{ name: "a" }, { name: "b" }], ["k"]);
    const oldToken = token;
    token = await deployToken();
    const verify = await fetch(`${emu.apiBase}/accounts/${emu.accountId}/tokens/verify`, {
      headers: { authorization: `Bearer ${oldToken}` },
    });
    const { result } = (await verify.json()) as { result: { id: string } };
    await fetch(`${emu.apiBase}/accounts/${emu.accountId}/tokens/${result.id}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${emu.adminToken}` },
    });

    const same = await apply([{ name: "a" }, { name: "b" }], ["k"]);
    expect(ops(same.steps).sort()).toEqual(["same:a", "same:b", "same:k"]);
    const state = readFileSync(stateFile, "utf8");
    expect(state).not.toContain(oldToken);
    expect(state).not.toContain(token);

    // The deletes come after the program's registrations. b and k were created side by side, so
    // which is newer, and deleted first, is the race's.
    const next = await apply([{ name: "a" }]);
    const [registered, ...deleted] = ops(next.steps);
    expect(registered).toBe("same:a");
    expect(deleted.sort()).toEqual(["delete:b", "delete:k"]);
  });

  it("missing, fails with how to set it", async () => {
    const run = applyProgram({ ...engine(() => ""), program: program([{ name: "a" }]) });
    await expect(run).rejects.toThrow(
      "no Cloudflare API token: set it with `pulumi config set --secret cloudflare:apiToken <token>` or in CLOUDFLARE_API_TOKEN",
    );
  });
});

describe("the serialized provider", () => {
  it("is about 3.5 KB in each resource's state, naming the provider code rather than holding it", async () => {
    const { state } = await apply([{ name: "a" }], ["k"]);
    for (const r of Object.values(state.resources)) {
      // Pulumi stores it twice per resource (inputs and outputs); at 3,000 live inputs every KB here is 6 MB of state.
      expect(String(r.inputs.__provider).length).toBeLessThan(4_096);
      expect(String(r.inputs.__provider)).toContain(PROVIDER_ENTRY);
      expect(r.outputs.__provider).toBe(r.inputs.__provider);
    }
  });

  it("deletes with the checkout's code in a fresh host, started in main's folder as Pulumi does or in the project's", async () => {
    const { state } = await apply([{ name: "a" }, { name: "b" }], ["k"]);
    const config = { "cloudflare:apiToken": token, "realtime-stack:apiBase": emu.apiBase };
    const [a, ...rest] = Object.values(structuredClone(state.resources));
    await deleteInFreshHost([a!], config);
    await deleteInFreshHost(rest, config, REPO_ROOT);
    expect(liveInputs()).toEqual([]);
    expect(turnKeys()).toEqual([]);
  });

  describe("as states before December 2026 hold it, the provider's code packed whole", () => {
    /** The state file with each resource's `__provider`, inputs and outputs, the packed copy of its kind. */
    const withPackedProviders = async () => {
      const state = loadState(stateFile, "test");
      for (const r of Object.values(state.resources)) {
        const kind = r.type === REALTIME_TURN_KEY ? "turnKey" : "liveInput";
        const packed = await packedProvider(kind);
        r.inputs.__provider = packed;
        r.outputs.__provider = packed;
      }
      writeFileSync(stateFile, JSON.stringify(state));
      return state;
    };

    it("still deletes with that copy in a fresh host", async () => {
      await apply([{ name: "a" }], ["k"]);
      const state = await withPackedProviders();
      const config = { "cloudflare:apiToken": token, "realtime-stack:apiBase": emu.apiBase };
      await deleteInFreshHost(Object.values(state.resources), config);
      expect(liveInputs()).toEqual([]);
      expect(turnKeys()).toEqual([]);
    });

    it("is replaced by the stub at the next apply, as an update that calls Cloudflare for nothing", async () => {
      await apply([{ name: "a" }], ["k"]);
      const before = readFileSync(stateFile).length;
      await withPackedProviders();
      await admin.clearRequests();
      const next = await apply([{ name: "a" }], ["k"]);
      expect(ops(next.steps).sort()).toEqual(["update:a", "update:k"]);
      expect((await admin.requests()).filter((r) => r.method !== "GET")).toEqual([]);
      for (const r of Object.values(next.state.resources)) {
        expect(String(r.outputs.__provider)).toContain(PROVIDER_ENTRY);
      }
      expect(readFileSync(stateFile).length).toBe(before);
      expect(ops((await apply([{ name: "a" }], ["k"])).steps).sort()).toEqual(["same:a", "same:k"]);
    });
  });

  it("outside the project, fails saying where to run it, and deletes nothing", async () => {
    const { state } = await apply([{ name: "a" }]);
    const config = { "cloudflare:apiToken": token, "realtime-stack:apiBase": emu.apiBase };
    const elsewhere = mkdtempSync(join(tmpdir(), "no-project-"));
    try {
      await expect(deleteInFreshHost(Object.values(state.resources), config, elsewhere)).rejects.toThrow(
        `liveInput provider: no Pulumi.yaml at or above ${elsewhere}; run pulumi in the project's checkout`,
      );
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
    expect(liveInputs()).toHaveLength(1);
  });

  it("cannot import through the `import` option: Pulumi's host reads with no provider to read with", async () => {
    const existing = await new CloudflareRest({ baseUrl: emu.apiBase, token }).call(
      "POST",
      `/accounts/${emu.accountId}/calls/turn_keys`,
      (await import("#contracts/cloudflare/calls.ts")).turnKeyWithKey,
      { name: "existing" },
    );
    const run = applyProgram({
      ...engine(),
      program: async () => ({
        id: new RealtimeTurnKey("k", { accountId: emu.accountId, name: "existing" }, { import: existing.uid })
          .uid,
      }),
    });
    await expect(run).rejects.toThrow("code must be a string, not undefined");
  });

  it("adopts an existing object through the adopt input instead: same uid, settings applied, nothing created", async () => {
    const api = new CloudflareRest({ baseUrl: emu.apiBase, token });
    const { turnKeyWithKey } = await import("#contracts/cloudflare/calls.ts");
    const existing = await api.call("POST", `/accounts/${emu.accountId}/calls/turn_keys`, turnKeyWithKey, {
      name: "hand-made",
    });
    const adopted = await applyProgram({
      ...engine(),
      program: async () => {
        const key = new RealtimeTurnKey("k", {
          accountId: emu.accountId,
          name: "managed",
          adopt: pulumi.secret({ uid: existing.uid, secret: existing.key }),
        });
        return { id: key.uid, key: key.key };
      },
    });
    expect(ops(adopted.steps)).toEqual(["create:k"]);
    expect(adopted.outputs).toEqual({ id: existing.uid, key: existing.key });
    expect(turnKeys().map((k) => k.name)).toEqual(["managed"]);
    expect(adopted.state.resources[`${REALTIME_TURN_KEY}::k`]?.secretOutputs).toContain("adopt");
  });

  it("adopting a live input the account does not have fails saying so, and creates nothing", async () => {
    const missing = "0123456789abcdef0123456789abcdef";
    const run = applyProgram({
      ...engine(),
      program: async () => {
        const input = new StreamLiveInput("gone", {
          accountId: emu.accountId,
          meta: {},
          enabled: true,
          recording: { mode: "off" },
          adopt: { uid: missing },
        });
        return { uid: input.uid };
      },
    });
    await expect(run).rejects.toThrow(
      `cannot adopt live input ${missing}: account ${emu.accountId} has none`,
    );
    expect(liveInputs()).toEqual([]);
  });
});

describe("replacement", () => {
  it("adopting another object replaces the one held; deleteBeforeReplace deletes it first", async () => {
    const declare = (adopt?: { uid: string; secret: string }) => async () => {
      const key = new RealtimeTurnKey(
        "k",
        { accountId: emu.accountId, name: "k", ...(adopt ? { adopt: pulumi.secret(adopt) } : {}) },
        { deleteBeforeReplace: true },
      );
      return { id: key.uid };
    };
    const first = await applyProgram({ ...engine(), program: declare() });
    const { turnKeyWithKey } = await import("#contracts/cloudflare/calls.ts");
    const other = await new CloudflareRest({ baseUrl: emu.apiBase, token }).call(
      "POST",
      `/accounts/${emu.accountId}/calls/turn_keys`,
      turnKeyWithKey,
      { name: "other" },
    );
    await admin.clearRequests();
    const next = await applyProgram({ ...engine(), program: declare({ uid: other.uid, secret: other.key }) });
    expect(ops(next.steps)).toEqual(["replace:k"]);
    expect(next.outputs.id).toBe(other.uid);
    expect(turnKeys().map((k) => k.uid)).toEqual([other.uid]);
    const writes = (await admin.requests())
      .filter((r) => r.method !== "GET" && r.path.includes("/turn_keys/"))
      .map((r) => `${r.method} ${r.path.split("/").at(-1)}`);
    expect(writes).toEqual([`DELETE ${first.outputs.id}`, `PUT ${other.uid}`]);
  });
});

describe("interruptions", () => {
  it("an API failure in the middle of an update leaves the state as Cloudflare is; the next run finishes", async () => {
    const first = await apply([{ name: "a" }, { name: "b" }]);
    const [a, b] = uids(first.outputs);
    await admin.addFault({
      method: "PUT",
      path: `/client/v4/accounts/*/stream/live_inputs/${b}`,
      count: 1,
      // A refusal: a 5xx on a PUT would be retried, and the run would not fail.
      action: { type: "status", status: 400 },
    });
    // a's update is still on its way when b's is refused; the run must wait for it and record it.
    await admin.addFault({
      method: "PUT",
      path: `/client/v4/accounts/*/stream/live_inputs/${a}`,
      count: 1,
      action: { type: "latency", ms: 500 },
    });
    await expect(
      apply([
        { name: "a", lowLatency: true },
        { name: "b", lowLatency: true },
      ]),
    ).rejects.toThrow(/HTTP 400/);
    const state = loadState(stateFile, "test");
    const recorded = (n: string) => state.resources[`${STREAM_LIVE_INPUT}::${n}`]!.inputs.preferLowLatency;
    expect([liveInput(a!)?.preferLowLatency, liveInput(b!)?.preferLowLatency]).toEqual([
      recorded("a"),
      recorded("b"),
    ]);
    expect(recorded("a")).toBe(true);

    const retry = await apply([
      { name: "a", lowLatency: true },
      { name: "b", lowLatency: true },
    ]);
    expect(ops(retry.steps).filter((s) => s.startsWith("update"))).toContain("update:b");
    expect([liveInput(a!)?.preferLowLatency, liveInput(b!)?.preferLowLatency]).toEqual([true, true]);
    expect(uids(retry.outputs)).toEqual([a, b]);
  });

  it("a refused create stops the run; the next run creates it", async () => {
    await admin.addFault({
      method: "POST",
      path: "/client/v4/accounts/*/stream/live_inputs",
      count: 1,
      action: { type: "status", status: 400 },
    });
    await expect(apply([{ name: "a" }])).rejects.toThrow(/HTTP 400/);
    expect(liveInputs()).toHaveLength(0);
    const retry = await apply([{ name: "a" }]);
    expect(ops(retry.steps)).toEqual(["create:a"]);
  });
});

describe("an API that fails on the way: retried, and never a second object", () => {
  it("a 429 with Retry-After: the create waits as long as asked, then succeeds", async () => {
    await admin.addFault({
      method: "POST",
      path: LIVE_INPUTS,
      count: 1,
      action: { type: "rate_limit", retryAfter: 1 },
    });
    const { steps } = await apply([{ name: "a" }]);
    expect(ops(steps)).toEqual(["create:a"]);
    expect(liveInputs()).toHaveLength(1);
    const [refused, created] = await logged("POST", LIVE_INPUTS);
    expect([refused?.status, created?.status]).toEqual([429, 200]);
    expect(Date.parse(created!.time) - Date.parse(refused!.time)).toBeGreaterThanOrEqual(1_000);
  });

  it("a 5xx on an update, and a connection cut on a refresh, are sent again", async () => {
    const first = await apply([{ name: "a" }]);
    const [uid] = uids(first.outputs);
    const input = `${LIVE_INPUTS}/${uid}`;
    await admin.addFault({ method: "PUT", path: input, count: 1, action: { type: "status", status: 502 } });
    const next = await apply([{ name: "a", lowLatency: true }]);
    expect(ops(next.steps)).toEqual(["update:a"]);
    expect(liveInput(uid!)?.preferLowLatency).toBe(true);
    expect((await logged("PUT", input)).map((r) => r.status)).toEqual([502, 200]);

    await admin.addFault({ method: "GET", path: input, count: 1, action: { type: "lose_answer" } });
    expect(ops(await refreshState(engine()))).toEqual(["same:a"]);
    expect((await logged("GET", input)).map((r) => r.fault ?? "answered")).toEqual([
      "lose_answer",
      "answered",
    ]);
  });

  for (const as of ["reset", 502] as const) {
    it(`a create whose answer is lost (${as}) becomes the live input it made: one input, the state's`, async () => {
      await admin.addFault({
        method: "POST",
        path: LIVE_INPUTS,
        count: 1,
        action: { type: "lose_answer", as },
      });
      const { steps, outputs } = await apply([{ name: "a" }]);
      expect(ops(steps)).toEqual(["create:a"]);
      const [made] = liveInputs();
      expect(liveInputs()).toHaveLength(1);
      expect(uids(outputs)).toEqual([made!.uid]);
      expect(outputs.streamKeys).toEqual([made!.streamKey]);
      expect((await logged("POST", LIVE_INPUTS)).map((r) => r.fault ?? "answered")).toEqual(["lose_answer"]);
    });
  }

  it("a TURN key whose create answer is lost is deleted and made again: its secret was never seen", async () => {
    await admin.addFault({ method: "POST", path: TURN_KEYS, count: 1, action: { type: "lose_answer" } });
    const { steps, state } = await apply([], ["turn-a-g1"]);
    expect(ops(steps)).toEqual(["create:turn-a-g1"]);
    const keys = turnKeys();
    expect(keys).toHaveLength(1);
    const held = state.resources[`${REALTIME_TURN_KEY}::turn-a-g1`]!.outputs;
    expect([held.uid, held.key]).toEqual([keys[0]!.uid, keys[0]!.secret]);
    const writes = (await admin.requests())
      .filter((r) => r.path.includes("/calls/turn_keys"))
      .map((r) => `${r.method}${r.fault ? ` (${r.fault})` : ""}`);
    expect(writes).toEqual(["GET", "POST (lose_answer)", "GET", "DELETE", "POST"]);
  });

  it("a key made by hand under the same name is left alone", async () => {
    const api = new CloudflareRest({ baseUrl: emu.apiBase, token });
    const { turnKeyWithKey } = await import("#contracts/cloudflare/calls.ts");
    const handMade = await api.call("POST", `/accounts/${emu.accountId}/calls/turn_keys`, turnKeyWithKey, {
      name: "turn-a-g1",
    });
    await admin.addFault({
      method: "POST",
      path: TURN_KEYS,
      count: 1,
      action: { type: "lose_answer", as: 504 },
    });
    await apply([], ["turn-a-g1"]);
    expect(turnKeys().map((k) => k.uid)).toContain(handMade.uid);
    expect(turnKeys()).toHaveLength(2);
  });

  it("an input with no meta to be known by is not guessed at: the run stops saying what to look for", async () => {
    await admin.addFault({ method: "POST", path: LIVE_INPUTS, count: 1, action: { type: "lose_answer" } });
    const run = applyInput({});
    await expect(run).rejects.toThrow(
      /the answer was lost .* looking for what the call did failed \(an input without meta cannot be told from any other\)\. Cloudflare may hold a live input the state does not know: find the one with this meta/,
    );
    expect(liveInputs()).toHaveLength(1);
  });

  it("gives up at the configured deadline, with the last error", async () => {
    const first = await apply([{ name: "a" }]);
    const [uid] = uids(first.outputs);
    await admin.addFault({
      method: "GET",
      path: `${LIVE_INPUTS}/${uid}`,
      action: { type: "status", status: 503 },
    });
    const config = {
      ...engine().config,
      "realtime-stack:deployApi": JSON.stringify({ retryDeadlineSeconds: 1 }),
    };
    await expect(refreshState({ ...engine(), config })).rejects.toThrow(
      /HTTP 503 .*\(gave up after \d attempts in \d s\)/,
    );
  });
});
