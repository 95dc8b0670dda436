import { describe, expect, inject, it } from "vitest";
import { apiSuccess } from "#contracts/api/envelope.ts";
import { channelStatus } from "#contracts/api/stream.ts";
import { webhookData } from "#contracts/api/webhook.ts";
import type { LiveInputNotification } from "#contracts/cloudflare/notifications.ts";
import "./support/context.ts";

const stack = inject("stack");
const TENANT = "globex";
const CHANNEL = "live";
const liveInput = stack.tenants[TENANT]!.channels[CHANNEL]!;
/** Notifications from the near future, so that the holder's own reads in between are older news. */
const at = (secondsAhead: number) => new Date(Date.now() + secondsAhead * 1000).toISOString();

function notification(event: "connected" | "disconnected", updatedAt: string): LiveInputNotification {
  return {
    name: "e2e",
    text: `Live input ${liveInput}: live_input.${event}`,
    ts: Math.floor(Date.now() / 1000),
    alert_type: "stream_live_notifications",
    data: {
      notification_name: "Stream Live Input",
      input_id: liveInput,
      event_type: `live_input.${event}`,
      updated_at: updatedAt,
    },
  };
}

async function post(
  body: unknown,
  headers: Record<string, string> = { "cf-webhook-auth": stack.webhookSecret },
) {
  const res = await fetch(`${stack.workerUrl}/api/stream/webhook`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as unknown };
}

const outcome = async (body: unknown) => apiSuccess(webhookData).parse((await post(body)).json).data.outcome;

async function status() {
  const res = await fetch(`${stack.workerUrl}/api/stream/status?channel=${CHANNEL}`, {
    headers: { "x-tenant-id": TENANT, authorization: `Bearer ${stack.tenants[TENANT]!.apiKey}` },
  });
  return apiSuccess(channelStatus).parse(await res.json()).data;
}

describe("the live input webhook on the local stack", () => {
  it("rejects a missing or wrong secret and a malformed payload, changing nothing", async () => {
    const before = await status();
    const event = notification("connected", at(5));
    expect((await post(event, {})).status).toBe(401);
    expect((await post(event, { "cf-webhook-auth": `${stack.webhookSecret}0` })).status).toBe(401);
    expect((await post("{")).status).toBe(400);
    expect((await post({ ...event, data: { ...event.data, event_type: "live_input.melted" } })).status).toBe(
      400,
    );
    expect((await status()).state).toBe(before.state);
  });

  it("accepts a genuine one; a duplicate and an out-of-order one leave the newest status in place", async () => {
    const disconnected = notification("disconnected", at(20));
    expect(await outcome(notification("connected", at(10)))).toBe("applied");
    expect(await status()).toMatchObject({ connected: true, state: "connected" });

    expect(await outcome(disconnected)).toBe("applied");
    expect(await outcome(disconnected)).toBe("duplicate");
    expect(await outcome(notification("connected", at(15)))).toBe("stale");
    expect(await status()).toMatchObject({ connected: false, state: "disconnected" });
  });
});
