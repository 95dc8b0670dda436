import { afterEach, describe, expect, it, vi } from "vitest";
import { apiFailure } from "#contracts/api/envelope.ts";
import { HEARTBEAT_INTERVAL_MS, STATUS_EVENT } from "#contracts/api/event-stream.ts";
import { statusEventData } from "#contracts/api/events.ts";
import { STATUS_REFRESH_MS } from "../src/durable/status-snapshot.ts";
import { call, callAs, emulatorAdmin } from "./support/api.ts";
import {
  cloudflareTime,
  type EventStream,
  liveInputOf,
  notification,
  openEvents,
  postWebhook,
} from "./support/events.ts";

const CHANNEL = "events";
const uid = liveInputOf(CHANNEL);
const open: EventStream[] = [];
const listen = async (options: Parameters<typeof openEvents>[1] = {}) => {
  const stream = await openEvents(CHANNEL, options);
  open.push(stream);
  return stream;
};
/** The next status event, skipping heartbeats. */
const nextStatus = async (stream: EventStream, timeoutMs?: number) => {
  for (;;) {
    const message = await stream.next(timeoutMs);
    if (message.event === STATUS_EVENT)
      return { id: message.id!, status: statusEventData.parse(message.data) };
  }
};
let offsetMs = 0;
/** Each notification of this file newer than the one before. */
const notify = (event: "live_input.connected" | "live_input.disconnected") => {
  offsetMs += 1_000;
  return postWebhook(notification(uid, event, cloudflareTime(offsetMs)));
};

afterEach(async () => {
  vi.useRealTimers();
  for (const stream of open.splice(0)) await stream.close();
});

describe("GET /api/stream/events", () => {
  it("sends the status at connect, then each change as it happens to every listener", async () => {
    const first = await listen();
    expect(first.status).toBe(200);
    const initial = await nextStatus(first);
    expect(initial.status).toMatchObject({ channel: CHANNEL, live_input_id: uid });
    // The same view as the status route: the declared outputs, the key masked.
    expect(initial.status.outputs).toEqual([
      { name: "twitch", url: "rtmp://live.twitch.tv/app", enabled: true, stream_key: "********" },
    ]);

    const second = await listen();
    expect((await nextStatus(second)).id).toBe(initial.id);

    await notify("live_input.connected");
    for (const stream of [first, second]) {
      const change = await nextStatus(stream);
      expect(change.status).toMatchObject({ connected: true, state: "connected" });
      expect(change.id).not.toBe(initial.id);
    }
  });

  it("resumes after Last-Event-ID with the changes missed, and nothing when up to date", async () => {
    const stream = await listen();
    const seen = await nextStatus(stream);
    await stream.close();

    await notify("live_input.disconnected");
    await notify("live_input.connected");
    const resumed = await listen({ lastEventId: seen.id });
    const missed = [await nextStatus(resumed), await nextStatus(resumed)];
    expect(missed.map((m) => m.status.state)).toEqual(["disconnected", "connected"]);

    const upToDate = await listen({ lastEventId: missed[1]!.id });
    await expect(nextStatus(upToDate, 300)).rejects.toThrow(/no event/);
    const unknown = await listen({ lastEventId: "from-another-life.7" });
    expect((await nextStatus(unknown)).status.state).toBe("connected");
  });

  it("is never quiet for longer than the heartbeat interval", { timeout: 45_000 }, async () => {
    const stream = await listen();
    let message = await stream.next();
    // Status events may come first: the holder refreshes from Cloudflare while anyone listens.
    for (let i = 0; i < 3 && message.event !== "comment"; i++) {
      message = await stream.next(HEARTBEAT_INTERVAL_MS + 2_000);
    }
    expect(message).toEqual({ event: "comment" });
  });

  it("marks the status stale while Cloudflare cannot be read, and fresh again once it can", {
    timeout: 30_000,
  }, async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const stream = await openEvents("feed");
    open.push(stream);
    const initial = await nextStatus(stream);
    expect(initial.status.stale).toBe(false);
    // The held status is checked on Stream's delivery host, which fails now.
    const fault = await emulatorAdmin<{ id: string }>("POST", "/faults", {
      method: "GET",
      path: `/delivery/*/${liveInputOf("feed")}/lifecycle`,
      action: { type: "status", status: 503 },
    });
    try {
      // The holder's next tick finds the status past its refresh interval, and cannot refresh it.
      vi.advanceTimersByTime(STATUS_REFRESH_MS);
      const stale = await nextStatus(stream, 10_000);
      expect(stale).toEqual({ id: initial.id, status: { ...initial.status, stale: true } });
    } finally {
      await emulatorAdmin("DELETE", `/faults/${fault.id}`);
    }
    vi.advanceTimersByTime(STATUS_REFRESH_MS);
    const fresh = await nextStatus(stream, 10_000);
    expect(fresh.status).toMatchObject({ stale: false, state: initial.status.state });
    expect(Date.parse(fresh.status.checked_at)).toBeGreaterThan(Date.parse(initial.status.checked_at));
  });

  it("needs the tenant's credentials and one of its channels", async () => {
    expect((await call(`/api/stream/events?channel=${CHANNEL}`)).status).toBe(401);
    const other = await callAs("globex", `/api/stream/events?channel=${CHANNEL}`);
    expect(other.status).toBe(404);
    expect(apiFailure.parse(other.json).error.code).toBe("channel_not_found");
    expect((await callAs("acme", "/api/stream/events")).status).toBe(400);
  });
});
