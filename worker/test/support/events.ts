import { env } from "cloudflare:workers";
import type { LiveInputNotification } from "#contracts/cloudflare/notifications.ts";
import { type SseMessage, SseReader } from "#contracts/sse.ts";
import worker from "../../src/index.ts";
import { call, fixture, request, tenantKey } from "./api.ts";

/** One server-sent event, its data parsed; heartbeats come as `{ event: "comment" }`. */
export interface SseEvent {
  id?: string;
  event: string;
  data?: unknown;
}

/** An open event stream, read one event at a time. */
export interface EventStream {
  status: number;
  next(timeoutMs?: number): Promise<SseEvent>;
  close(): Promise<void>;
}

/** `GET /api/stream/events` as a tenant's dashboard, optionally resuming after `lastEventId`. */
export async function openEvents(
  channel: string,
  options: { tenant?: string; lastEventId?: string } = {},
): Promise<EventStream> {
  const tenant = options.tenant ?? "acme";
  const res = await worker.fetch(
    request(`/api/stream/events?channel=${channel}`, {
      tenant,
      bearer: await tenantKey(tenant),
      ...(options.lastEventId ? { headers: { "last-event-id": options.lastEventId } } : {}),
    }),
    env,
  );
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events = new SseReader();
  const queue: SseMessage[] = [];
  const next = async (timeoutMs = 5_000): Promise<SseEvent> => {
    const deadline = Date.now() + timeoutMs;
    while (queue.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no event within ${timeoutMs} ms`);
      let timer: ReturnType<typeof setTimeout> | null = null;
      const chunk = await Promise.race([
        reader.read(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no event within ${timeoutMs} ms`)), left);
        }),
      ]).finally(() => timer !== null && clearTimeout(timer));
      if (chunk.done) throw new Error("the event stream ended");
      queue.push(...events.push(chunk.value));
    }
    const { data, ...message } = queue.shift()!;
    return data === undefined ? message : { ...message, data: JSON.parse(data) };
  };
  return { status: res.status, next, close: () => reader.cancel() };
}

export const liveInputOf = (channel: string, tenant = "acme") => fixture().liveInputs[tenant]![channel]!;

/** A live input notification as Cloudflare posts it (docs/reference/cloudflare-api.md §2.1). */
export function notification(
  inputId: string,
  event: LiveInputNotification["data"]["event_type"],
  updatedAt: string,
): LiveInputNotification {
  return {
    name: "live-input-events",
    text: `Live input ${inputId}: ${event}`,
    ts: Math.floor(Date.parse(updatedAt) / 1000),
    alert_type: "stream_live_notifications",
    data: {
      notification_name: "Stream Live Input",
      input_id: inputId,
      event_type: event,
      updated_at: updatedAt,
      ...(event === "live_input.errored"
        ? {
            live_input_errored: {
              error: { code: "ERR_GOP_OUT_OF_RANGE", message: "Keyframe interval out of range" },
              video_codec: "",
              audio_codec: "",
            },
          }
        : {}),
    },
  };
}

/** Posts a notification with the Worker's webhook secret, another one, or (`null`) none. */
export const postWebhook = (body: unknown, secret: string | null = fixture().bindings.WEBHOOK_SECRET!) =>
  call("/api/stream/webhook", {
    method: "POST",
    body,
    ...(secret === null ? {} : { headers: { "cf-webhook-auth": secret } }),
  });

/** A time `offsetMs` from now, with nanoseconds, as Cloudflare writes `updated_at`. */
export const cloudflareTime = (offsetMs = 0) =>
  new Date(Date.now() + offsetMs).toISOString().replace(/Z$/, "123456Z");
