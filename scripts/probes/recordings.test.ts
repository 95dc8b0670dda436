import { describe, expect, it } from "vitest";
import type { StreamVideo } from "#contracts/cloudflare/stream.ts";
import { CloudflareRest } from "#infra/cloudflare-rest.ts";
import {
  deleteRecordings,
  expired,
  listRecordings,
  MAX_RECORDING_AGE_MS,
  madeSince,
  type ProbeRecordings,
} from "./recordings.ts";

const NOW = Date.parse("2026-12-01T12:00:00Z");
const video = (uid: string, agoMs: number): StreamVideo => ({
  uid,
  created: new Date(NOW - agoMs).toISOString(),
  liveInput: "probe-input",
});

/** A Cloudflare REST API answering DELETE per uid with the status given (200 unless listed), recording what was asked. */
function fakeApi(deleteStatus: Record<string, number> = {}, list: StreamVideo[] = []) {
  const calls: string[] = [];
  const fetchImpl: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    calls.push(`${init?.method} ${url.pathname}${url.search}`);
    if (init?.method === "GET")
      return Response.json({ success: true, errors: [], messages: [], result: list });
    const uid = url.pathname.split("/").at(-1)!;
    const status = deleteStatus[uid] ?? 200;
    return status === 200
      ? Response.json({ success: true, errors: [], messages: [], result: null })
      : Response.json(
          { success: false, errors: [{ code: 10003, message: `HTTP ${status}` }], messages: [] },
          { status },
        );
  };
  const api: ProbeRecordings = {
    client: new CloudflareRest({
      baseUrl: "http://cf.test/client/v4",
      token: "test-token",
      fetch: fetchImpl,
    }),
    accountId: "acct",
    liveInputId: "probe input",
  };
  return { api, calls };
}

describe("the probe input's recordings", () => {
  it("lists the videos of the probe input only, by its uid", async () => {
    const { api, calls } = fakeApi({}, [video("v1", 1_000)]);
    expect((await listRecordings(api)).map((v) => v.uid)).toEqual(["v1"]);
    expect(calls).toEqual(["GET /client/v4/accounts/acct/stream?live_input_id=probe%20input"]);
  });

  it("deletes each by uid, counting one already gone (404) as deleted", async () => {
    const { api, calls } = fakeApi({ gone: 404 });
    expect(await deleteRecordings(api, [video("v1", 0), video("gone", 0)])).toEqual(["v1", "gone"]);
    expect(calls).toEqual([
      "DELETE /client/v4/accounts/acct/stream/v1",
      "DELETE /client/v4/accounts/acct/stream/gone",
    ]);
  });

  it("tries every video before failing, naming each that could not be deleted", async () => {
    const { api, calls } = fakeApi({ v1: 500, v3: 403 });
    await expect(deleteRecordings(api, [video("v1", 0), video("v2", 0), video("v3", 0)])).rejects.toThrow(
      /^could not delete recording\(s\) v1: DELETE .*\/stream\/v1: HTTP 500 .*; v3: DELETE .*\/stream\/v3: HTTP 403/,
    );
    expect(calls).toHaveLength(3);
  });

  it("a recording older than a day has expired, whoever made it; one a day old or younger has not", () => {
    const videos = [
      video("old", MAX_RECORDING_AGE_MS + 1),
      video("day", MAX_RECORDING_AGE_MS),
      video("new", 60_000),
    ];
    expect(expired(videos, NOW).map((v) => v.uid)).toEqual(["old"]);
  });

  it("this run's recordings: made since its broadcast began (a minute of clock skew allowed) or known by uid", () => {
    const startedAt = NOW - 10_000;
    const videos = [
      video("during", 5_000),
      video("skewed", 10_000 + 59_000),
      video("before", 10_000 + 61_000),
      video("known", 3_600_000),
    ];
    expect(madeSince(videos, startedAt, new Set(["known"])).map((v) => v.uid)).toEqual([
      "during",
      "skewed",
      "known",
    ]);
  });
});
