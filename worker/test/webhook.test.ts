import { afterEach, describe, expect, it, vi } from "vitest";
import { apiFailure, apiSuccess } from "#contracts/api/envelope.ts";
import { channelStatus } from "#contracts/api/stream.ts";
import { webhookData } from "#contracts/api/webhook.ts";
import { STATUS_REFRESH_MS } from "../src/durable/status-snapshot.ts";
import { NOTIFICATION_MAX_SKEW_MS } from "../src/routes/webhook.ts";
import { type Answer, callAs, fixture } from "./support/api.ts";
import { cloudflareTime, liveInputOf, notification, postWebhook } from "./support/events.ts";

const CHANNEL = "webhook";
const uid = liveInputOf(CHANNEL);
const outcomeOf = (res: Answer) => apiSuccess(webhookData).parse(res.json).data.outcome;
const status = async () =>
  apiSuccess(channelStatus).parse((await callAs("acme", `/api/stream/status?channel=${CHANNEL}`)).json).data;

describe("POST /api/stream/webhook", () => {
  it("refuses a missing or wrong secret with 401, and changes nothing", async () => {
    const before = await status();
    const event = notification(uid, "live_input.connected", cloudflareTime(60_000));
    const right = fixture().bindings.WEBHOOK_SECRET!;
    for (const secret of [null, "", "wrong-secret-of-a-plausible-length", `${right}x`, right.slice(1)]) {
      const res = await postWebhook(event, secret);
      expect(res.status).toBe(401);
      expect(apiFailure.parse(res.json).error.code).toBe("unauthorized");
    }
    expect((await status()).state).toBe(before.state);
  });

  it("refuses a malformed notification with 400 naming the field", async () => {
    const good = notification(uid, "live_input.connected", cloudflareTime());
    const notJson = await postWebhook("{not json");
    expect(notJson.status).toBe(400);
    expect(apiFailure.parse(notJson.json).error.code).toBe("invalid_json");
    const cases: [unknown, string][] = [
      [{ ...good, data: { ...good.data, event_type: "live_input.exploded" } }, "data.event_type"],
      [{ ...good, data: { ...good.data, input_id: undefined } }, "data.input_id"],
      [{ ...good, data: { ...good.data, updated_at: "yesterday" } }, "data.updated_at"],
      [{ ...good, ts: "now" }, "ts"],
      [{ ...good, ts: undefined }, "ts"],
      // Neither a notification nor the test message: told by the closer of the two, the test message.
      [{ name: "no data and no text" }, "text"],
    ];
    for (const [body, field] of cases) {
      const res = await postWebhook(body);
      expect(res.status, field).toBe(400);
      expect(apiFailure.parse(res.json).error.message).toContain(field);
    }
  });

  it("answers Cloudflare's destination test message with 200 and outcome test, changing nothing, and only with the secret", async () => {
    const before = await status();
    // The body the dashboard's "Save and Test" posts (docs/reference/rotation-credentials.md §2).
    const testMessage = {
      text: "Hello World! This is a test message sent from https://cloudflare.com. If you can see this, your webhook is configured properly.",
    };
    const res = await postWebhook(testMessage);
    expect(res.status).toBe(200);
    expect(outcomeOf(res)).toBe("test");
    expect(await status()).toMatchObject({ state: before.state, connected: before.connected });
    expect((await postWebhook(testMessage, "wrong-secret-of-a-plausible-length")).status).toBe(401);
  });

  it("applies a genuine notification, and a duplicate or an older one leaves the newest status", async () => {
    const connected = notification(uid, "live_input.connected", cloudflareTime(1_000));
    expect(outcomeOf(await postWebhook(connected))).toBe("applied");
    expect(await status()).toMatchObject({ connected: true, state: "connected", error: null });
    expect(outcomeOf(await postWebhook(connected))).toBe("duplicate");

    const disconnected = notification(uid, "live_input.disconnected", cloudflareTime(3_000));
    const olderConnected = notification(uid, "live_input.connected", cloudflareTime(2_000));
    expect(outcomeOf(await postWebhook(disconnected))).toBe("applied");
    expect(outcomeOf(await postWebhook(olderConnected))).toBe("stale");
    expect(await status()).toMatchObject({ connected: false, state: "disconnected" });
  });

  it("keeps what an errored notification reports", async () => {
    const errored = notification(uid, "live_input.errored", cloudflareTime(10_000));
    expect(outcomeOf(await postWebhook(errored))).toBe("applied");
    expect(await status()).toMatchObject({
      connected: false,
      state: "errored",
      error: { code: "ERR_GOP_OUT_OF_RANGE", message: "Keyframe interval out of range" },
    });
  });

  it("answers 200 for a live input no channel uses, without keeping anything", async () => {
    const stranger = notification("f".repeat(32), "live_input.connected", cloudflareTime());
    expect(outcomeOf(await postWebhook(stranger))).toBe("unknown_live_input");
  });
});

describe("notification ordering, bounded by the clock", () => {
  const clockUid = liveInputOf("clock");
  const clockStatus = async () =>
    apiSuccess(channelStatus).parse((await callAs("acme", "/api/stream/status?channel=clock")).json).data;
  afterEach(() => {
    vi.useRealTimers();
  });

  it("refuses a notification dated further ahead than the allowed skew, and changes nothing", async () => {
    const before = await clockStatus();
    for (const updatedAt of ["2099-01-01T00:00:00Z", cloudflareTime(NOTIFICATION_MAX_SKEW_MS + 5_000)]) {
      const res = await postWebhook(notification(clockUid, "live_input.connected", updatedAt));
      expect(res.status).toBe(400);
      const { error } = apiFailure.parse(res.json);
      expect(error.code).toBe("invalid_request");
      expect(error.message).toContain("data.updated_at");
    }
    expect(await clockStatus()).toMatchObject({ connected: before.connected, state: before.state });
    // A genuine notification after them is news, not stale.
    const genuine = notification(clockUid, "live_input.disconnected", cloudflareTime());
    expect(outcomeOf(await postWebhook(genuine))).toBe("applied");
  });

  it("lets a fresh read from Cloudflare that disagrees win once the refresh interval has passed", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    // Dated ahead within the skew, it outranks every notification until then...
    const ahead = notification(
      clockUid,
      "live_input.connected",
      cloudflareTime(NOTIFICATION_MAX_SKEW_MS - 5_000),
    );
    expect(outcomeOf(await postWebhook(ahead))).toBe("applied");
    const behind = notification(clockUid, "live_input.disconnected", cloudflareTime(1_000));
    expect(outcomeOf(await postWebhook(behind))).toBe("stale");
    expect(await clockStatus()).toMatchObject({ connected: true, state: "connected" });
    // ...but not Cloudflare's own answer (Stream's delivery host: the emulator's input is not
    // live), a refresh later.
    vi.advanceTimersByTime(STATUS_REFRESH_MS + 1_000);
    expect(await clockStatus()).toMatchObject({ connected: false, state: "disconnected", stale: false });
  });
});
