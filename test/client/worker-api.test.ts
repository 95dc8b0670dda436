import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { ApiError, createServerClient, type ServerClient, watchChannels } from "#client/server.ts";
import { roomServerMessage } from "#contracts/api/rooms.ts";
import type { RouteName } from "#contracts/api/route-table.ts";
import { API_ROUTES } from "#contracts/api/routes.ts";
import type { StackOutputs } from "#infra/stack-outputs.ts";
import { audioPublishOffer } from "#scripts/smoke/sdp-offer.ts";
import { startTestStack, type TestStack, workerBinding } from "../scripts/support/local-stack.ts";

/**
 * Every route of the table through the client against the local stack (the Worker in workerd,
 * the emulator behind it), and the Worker's refusals as typed errors. One stack for the file.
 */
let stack: TestStack;
let outputs: StackOutputs;
let acme: ServerClient;
let tenant: string;
let channel: string;
const called = new Set<RouteName>();

beforeAll(async () => {
  stack = await startTestStack();
  outputs = await stack.driver.outputs();
  tenant = "acme";
  const acmeOutputs = outputs.tenants[tenant]!;
  channel = Object.keys(acmeOutputs.channels)[0]!;
  acme = createServerClient({ baseUrl: outputs.workerUrl, tenant, key: acmeOutputs.apiKey });
});
afterAll(() => stack?.close());

/** A user id of its own per test, so that the per-user mint limit of one test never touches another. */
const user = () => `u-${randomBytes(4).toString("hex")}`;

/** The error a call fails with, or a test failure when it succeeds. */
async function refusal(call: Promise<unknown>): Promise<ApiError> {
  const outcome = await call.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!("error" in outcome)) throw new Error(`expected a refusal, got ${JSON.stringify(outcome.value)}`);
  expect(outcome.error).toBeInstanceOf(ApiError);
  return outcome.error as ApiError;
}

describe("every route through the client", () => {
  it("public routes: healthz, the OpenAPI document, the dashboard page", async () => {
    const health = await acme.healthz();
    expect(health.stack).toBe("dev");
    const openapi = await acme.openapi();
    expect(openapi.openapi).toMatch(/^3\./);
    expect(await acme.dashboard()).toContain("<html");
    called.add("healthz").add("openapi").add("dashboard");
  });

  it("tenant routes: channels, status (one and all), connect, TURN, dashboard token", async () => {
    const { channels } = await acme.streamChannels();
    expect(channels.map((c) => c.channel)).toContain(channel);
    const one = await acme.streamStatus({ channel });
    expect(one).toMatchObject({ channel, connected: false });
    const all = await acme.streamStatus();
    expect("channels" in all && all.channels.map((c) => c.channel)).toContain(channel);
    const connect = await acme.streamConnect({ channel });
    expect(connect.ingest.rtmps.stream_key.length).toBeGreaterThan(0);
    const turn = await acme.turn({ ttl: 600, user_id: user() });
    expect(turn.iceServers.length).toBeGreaterThan(0);
    const token = await acme.dashboardToken();
    expect(Date.parse(token.expires_at)).toBeGreaterThan(Date.now());
    // A public channel's playback answer is its plain URLs: no token to sign.
    const playback = await acme.streamPlaybackToken({ channel, ttl: 60 });
    expect(playback).toMatchObject({ signed: false, token: null });
    expect(playback.playback.hls).toContain("live_input_id" in one ? one.live_input_id : "(all channels)");
    called
      .add("streamChannels")
      .add("streamStatus")
      .add("streamConnect")
      .add("turn")
      .add("dashboardToken")
      .add("streamPlaybackToken");
  });

  it("the event stream: the channel's status first, then heartbeats; closing ends it", async () => {
    const stream = await acme.streamEvents({ channel });
    for await (const message of stream) {
      expect(message).toMatchObject({ type: "event", event: "status", data: { channel } });
      expect(message.type === "event" && message.id).toBeTruthy();
      break;
    }
    stream.close();
    called.add("streamEvents");
  });

  it("an SFU session and every session-proxy route, with the session's token", async () => {
    const created = await acme.sfuSession({
      room_id: "client-test",
      user_id: user(),
      user_name: "Client test",
    });
    const session = acme.session({ tenant, session_id: created.session_id, token: created.token });
    const published = await session.sfuTracksNew({
      sessionDescription: { type: "offer", sdp: audioPublishOffer("0") },
      tracks: [{ location: "local", mid: "0", trackName: "client-audio" }],
    });
    expect(published.sessionDescription?.type).toBe("answer");
    const state = await session.sfuSessionGet();
    expect(state.tracks.map((t) => t.trackName)).toContain("client-audio");
    // A DataChannel opens only on a connected peer, which this test has not: Realtime's own check of
    // the request (one of maxRetransmits and maxPacketLifeTime at most) answers first, passed through.
    const refused = await refusal(
      session.sfuDataChannelsNew({
        dataChannels: [
          { location: "local", dataChannelName: "client-data", maxRetransmits: 1, maxPacketLifeTime: 1 },
        ],
      }),
    );
    expect(refused).toMatchObject({ status: 400, code: "upstream_rejected" });
    const renegotiated = await refusalOrValue(
      session.sfuRenegotiate({
        sessionDescription: { type: "answer", sdp: published.sessionDescription!.sdp },
      }),
    );
    // The emulator, as Realtime, answers a renegotiation with nothing pending in the body (HTTP 200).
    expect(renegotiated).toBeDefined();
    const closed = await session.sfuTracksClose({ tracks: [{ mid: "0" }], force: true });
    expect(closed.tracks.every((t) => !t.errorCode)).toBe(true);
    called
      .add("sfuSession")
      .add("sfuTracksNew")
      .add("sfuSessionGet")
      .add("sfuDataChannelsNew")
      .add("sfuRenegotiate")
      .add("sfuTracksClose");
  });

  it("join, then the room socket at the URL the client builds from the grant", async () => {
    const grant = await acme.join({ room_id: "client-room", user_id: user(), user_name: "Client test" });
    expect(grant.topology).toBe("p2p");
    const url = await acme.room({ room_id: grant.room_id, token: grant.token }).roomSocket();
    expect(url.startsWith("ws://")).toBe(true);
    const socket = new WebSocket(url);
    const first = await new Promise<unknown>((resolve, reject) => {
      socket.once("message", (data) => resolve(JSON.parse(String(data))));
      socket.once("error", reject);
    });
    socket.close();
    expect(roomServerMessage.parse(first)).toMatchObject({ type: "welcome", topology: "p2p" });
    called.add("join").add("roomSocket");
  });

  it("the probe status with the probe key, the webhook with Cloudflare's secret", async () => {
    const probe = await acme.probe(outputs.probe!.apiKey).probeStatus();
    expect(probe.live_input_id).toBe(outputs.probe!.liveInputId);
    const secret = workerBinding(stack.local, "WEBHOOK_SECRET")!;
    const answer = await acme.webhook(secret).streamWebhook({
      name: "client test",
      text: "",
      ts: Math.floor(Date.now() / 1000),
      data: {
        notification_name: "Live Input Connected",
        input_id: "not-a-live-input",
        event_type: "live_input.connected",
        updated_at: new Date().toISOString(),
      },
    });
    expect(answer.outcome).toBe("unknown_live_input");
    called.add("probeStatus").add("streamWebhook");
  });

  it("covered every route of the table", () => {
    expect([...called].sort()).toEqual(Object.keys(API_ROUTES).sort());
  });
});

/** A renegotiation's answer or its typed refusal: either is the route's documented answer. */
const refusalOrValue = (call: Promise<unknown>) =>
  call.catch((error: unknown) => {
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).not.toBe("invalid_response");
    return error;
  });

describe("refusals as typed errors", () => {
  it("401 without credentials and with a wrong key, each with the request id", async () => {
    const anonymous = createServerClient({ baseUrl: outputs.workerUrl });
    expect(await refusal(anonymous.streamChannels())).toMatchObject({
      status: 401,
      code: "unauthorized",
      unauthorized: true,
    });
    const wrong = createServerClient({ baseUrl: outputs.workerUrl, tenant, key: "rsk.1.wrong" });
    const error = await refusal(wrong.streamChannels());
    expect(error).toMatchObject({ status: 401, code: "invalid_credential", unauthorized: true });
    expect(error.requestId).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
    expect(error.route).toBe("GET /api/stream/channels");
  });

  it("403 for a session token on another session", async () => {
    const a = await acme.sfuSession({ room_id: "client-test", user_id: user(), user_name: "A" });
    const b = await acme.sfuSession({ room_id: "client-test", user_id: user(), user_name: "B" });
    const error = await refusal(
      acme.session({ tenant, session_id: a.session_id, token: b.token }).sfuSessionGet(),
    );
    expect(error).toMatchObject({ status: 403, code: "forbidden" });
  });

  it("404 for a channel the tenant does not have", async () => {
    const error = await refusal(acme.streamStatus({ channel: "no-such-channel" }));
    expect(error).toMatchObject({ status: 404, code: "channel_not_found" });
  });

  it("413 for a body over the Worker's limit, before it is read", async () => {
    const error = await refusal(
      acme.join({ room_id: "client-room", user_id: user(), user_name: "x".repeat(20_000) }),
    );
    expect(error).toMatchObject({ status: 413, code: "payload_too_large" });
  });

  it("429 with retryAfter once a user's mints are spent, and the opt-in retry does not wait past the deadline", async () => {
    const id = user();
    let error: ApiError | undefined;
    // The dev stack allows 30 mints per user per minute (Pulumi.dev.yaml): the 31st at the latest is refused.
    for (let i = 0; i < 40 && !error; i++) {
      error = await acme.turn({ user_id: id }).then(
        () => undefined,
        (e: unknown) => e as ApiError,
      );
    }
    expect(error).toMatchObject({ status: 429, code: "rate_limited" });
    expect(error!.retryAfter).toBeGreaterThan(0);
    expect(error!.details).toMatchObject({ scope: "user", budget: "credentials" });
    // Retry-After is tens of seconds here: a retry that honours it would pass a 2 s deadline, so the
    // client gives up at once with the same typed error rather than waiting.
    const started = Date.now();
    const again = await refusal(acme.turn({ user_id: id }, { retry: { attempts: 3 }, timeoutMs: 2_000 }));
    expect(again).toMatchObject({ status: 429, code: "rate_limited" });
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it("a network failure is typed too", async () => {
    const nowhere = createServerClient({ baseUrl: "http://127.0.0.1:9", tenant, key: "k" });
    const error = await refusal(nowhere.healthz());
    expect(error).toMatchObject({ status: 0, code: "network_error" });
  });
});

describe("watchChannels", () => {
  it("resumes a dropped stream with Last-Event-ID and reports the change made meanwhile", async () => {
    const streams: { lastEventId: string | null; lastSeen?: string; cut: () => void }[] = [];
    // The page's network, as the test sees it: each event stream can be cut like a dropped connection.
    const fetchThrough: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (!String(input).includes(API_ROUTES.streamEvents.path) || !res.body) return res;
      const reader = res.body.getReader();
      const stream: (typeof streams)[number] = {
        lastEventId: new Headers(init?.headers).get("last-event-id"),
        cut: () => cut(),
      };
      let cut = () => {};
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          cut = () => {
            controller.error(new TypeError("the network dropped the stream"));
            void reader.cancel();
          };
        },
        async pull(controller) {
          const { value, done } = await reader.read();
          if (done) return controller.close();
          for (const [, id] of new TextDecoder().decode(value).matchAll(/^id: (.*)$/gm))
            stream.lastSeen = id!;
          controller.enqueue(value);
        },
      });
      streams.push(stream);
      return new Response(body, { status: res.status, headers: res.headers });
    };
    const client = createServerClient({
      baseUrl: outputs.workerUrl,
      tenant,
      key: outputs.tenants[tenant]!.apiKey,
      fetch: fetchThrough,
    });
    const statuses: boolean[] = [];
    const watch = watchChannels(client, [channel], { status: (status) => statuses.push(status.connected) });
    await expect.poll(() => statuses.length).toBeGreaterThan(0);
    expect(statuses[0]).toBe(false);
    const first = streams[0]!;
    expect(first.lastSeen).toBeDefined();
    first.cut();
    // The broadcaster connects while the stream is down.
    const secret = workerBinding(stack.local, "WEBHOOK_SECRET")!;
    await acme.webhook(secret).streamWebhook({
      name: "client test",
      text: "",
      ts: Math.floor(Date.now() / 1000),
      data: {
        notification_name: "Live Input Connected",
        input_id: outputs.tenants[tenant]!.channels[channel]!.liveInputId,
        event_type: "live_input.connected",
        updated_at: new Date().toISOString(),
      },
    });
    try {
      await expect.poll(() => streams.length, { timeout: 10_000 }).toBeGreaterThan(1);
      expect(streams[1]!.lastEventId).toBe(first.lastSeen);
      await expect.poll(() => statuses.at(-1), { timeout: 10_000 }).toBe(true);
    } finally {
      watch.stop();
    }
  });
});
