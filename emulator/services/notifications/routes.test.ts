import { randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import * as z from "zod";
import { cfFailure, cfSuccess } from "#contracts/cloudflare/envelope.ts";
import {
  LIVE_INPUT_ALERT,
  liveInputNotification,
  notificationPolicy,
  webhookDestination,
} from "#contracts/cloudflare/notifications.ts";
import { liveInput } from "#contracts/cloudflare/stream.ts";
import { EmulatorAdmin } from "../../admin-client.ts";
import { type RunningEmulator, startEmulator } from "../../server.ts";
import { accountFetch, expectHiddenFromAdmin, jsonInit, scopedToken } from "../../testing.ts";

let emu: RunningEmulator;
let admin: EmulatorAdmin;
let api: ReturnType<typeof accountFetch>;
let receiver: Server;
let receiverUrl: string;
const received: { path: string; headers: IncomingHttpHeaders; body: unknown }[] = [];

beforeAll(async () => {
  emu = await startEmulator();
  admin = new EmulatorAdmin(emu.url, emu.adminToken);
  api = accountFetch(emu);
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({
        path: req.url ?? "",
        headers: req.headers,
        body: JSON.parse(Buffer.concat(chunks).toString("utf8")),
      });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await emu.close();
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});
beforeEach(async () => {
  await admin.reset();
  received.length = 0;
});

const fakeSecret = () => randomBytes(24).toString("hex");
const idResult = cfSuccess(z.object({ id: z.string() }).strict());

async function createWebhook(body: Record<string, unknown>) {
  const res = await api("/alerting/v3/destinations/webhooks", jsonInit("POST", body));
  expect(res.status).toBe(201);
  return idResult.parse(await res.json()).result.id;
}

const policyBody = (webhookIds: string[], filters?: Record<string, string[]>) => ({
  name: "live-input-events",
  alert_type: LIVE_INPUT_ALERT,
  enabled: true,
  mechanisms: { webhooks: webhookIds.map((id) => ({ id })) },
  ...(filters ? { filters } : {}),
});

async function createPolicy(body: Record<string, unknown>) {
  const res = await api("/alerting/v3/policies", jsonInit("POST", body));
  expect(res.status).toBe(200);
  return idResult.parse(await res.json()).result.id;
}

async function createLiveInput() {
  const res = await api("/stream/live_inputs", { method: "POST" });
  return cfSuccess(liveInput).parse(await res.json()).result.uid;
}

describe("notification webhook destinations", () => {
  it("creates (201, id only), lists, gets, updates and deletes, never returning the secret", async () => {
    const secret = fakeSecret();
    const id = await createWebhook({ name: "worker", url: `${receiverUrl}/hook`, secret });
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    const listed = cfSuccess(z.array(z.strictObject(webhookDestination.shape))).parse(
      await (await api("/alerting/v3/destinations/webhooks")).json(),
    ).result;
    expect(listed).toEqual([
      expect.objectContaining({
        id,
        name: "worker",
        url: `${receiverUrl}/hook`,
        type: "generic",
        last_success: null,
      }),
    ]);

    const updated = await api(
      `/alerting/v3/destinations/webhooks/${id}`,
      jsonInit("PUT", { name: "slack", url: "https://hooks.slack.com/services/x" }),
    );
    expect(idResult.parse(await updated.json()).result.id).toBe(id);
    const got = cfSuccess(z.strictObject(webhookDestination.shape)).parse(
      await (await api(`/alerting/v3/destinations/webhooks/${id}`)).json(),
    ).result;
    expect(got).toMatchObject({ name: "slack", type: "slack" });

    const deleted = await api(`/alerting/v3/destinations/webhooks/${id}`, { method: "DELETE" });
    expect(cfSuccess(z.null()).parse(await deleted.json()).success).toBe(true);
    expect((await api(`/alerting/v3/destinations/webhooks/${id}`)).status).toBe(404);
    await expectHiddenFromAdmin(admin, [secret]);
  });

  it("answers bad bodies with field errors or 6007 and creates nothing", async () => {
    for (const [body, field] of [
      [{ url: `${receiverUrl}/hook` }, "name"],
      [{ name: "x", url: "not a url" }, "url"],
      [{ name: "x", url: "ftp://example.com/hook" }, "url"],
    ] as const) {
      const res = await api("/alerting/v3/destinations/webhooks", jsonInit("POST", body));
      expect(res.status).toBe(400);
      expect(cfFailure.parse(await res.json()).errors[0]).toMatchObject({
        code: 10021,
        source: { pointer: `/${field}` },
      });
    }
    const malformed = await api("/alerting/v3/destinations/webhooks", { method: "POST", body: "{]" });
    expect(cfFailure.parse(await malformed.json()).errors[0]?.code).toBe(6007);
    const list = cfSuccess(z.array(webhookDestination)).parse(
      await (await api("/alerting/v3/destinations/webhooks")).json(),
    );
    expect(list.result).toEqual([]);
  });
});

describe("notification policies", () => {
  it("creates (id only), lists, gets, updates partially and deletes", async () => {
    const webhook = await createWebhook({ name: "w", url: `${receiverUrl}/hook` });
    const id = await createPolicy(policyBody([webhook], { input_id: ["abc"] }));

    const got = cfSuccess(z.strictObject(notificationPolicy.shape)).parse(
      await (await api(`/alerting/v3/policies/${id}`)).json(),
    );
    expect(got.result).toMatchObject({ id, enabled: true, filters: { input_id: ["abc"] } });
    const listed = cfSuccess(z.array(notificationPolicy)).parse(
      await (await api("/alerting/v3/policies")).json(),
    );
    expect(listed.result.map((p) => p.id)).toEqual([id]);

    const updated = await api(`/alerting/v3/policies/${id}`, jsonInit("PUT", { enabled: false }));
    expect(idResult.parse(await updated.json()).result.id).toBe(id);
    const after = cfSuccess(notificationPolicy).parse(
      await (await api(`/alerting/v3/policies/${id}`)).json(),
    );
    expect(after.result).toMatchObject({
      enabled: false,
      name: "live-input-events",
      filters: { input_id: ["abc"] },
    });

    expect((await api(`/alerting/v3/policies/${id}`, { method: "DELETE" })).status).toBe(200);
    expect((await api(`/alerting/v3/policies/${id}`)).status).toBe(404);
  });

  it("refuses unknown destinations, missing fields and malformed JSON, and creates nothing", async () => {
    const unknown = await api("/alerting/v3/policies", jsonInit("POST", policyBody(["nope"])));
    expect(unknown.status).toBe(400);
    expect(cfFailure.parse(await unknown.json()).errors[0]).toMatchObject({
      code: 10021,
      source: { pointer: "/mechanisms/webhooks/0/id" },
    });
    const { enabled: _enabled, ...withoutEnabled } = policyBody([]);
    const missing = await api("/alerting/v3/policies", jsonInit("POST", withoutEnabled));
    expect(cfFailure.parse(await missing.json()).errors[0]?.message).toContain("enabled");
    const malformed = await api("/alerting/v3/policies", { method: "POST", body: "nope" });
    expect(cfFailure.parse(await malformed.json()).errors[0]?.code).toBe(6007);
    const listed = cfSuccess(z.array(notificationPolicy)).parse(
      await (await api("/alerting/v3/policies")).json(),
    );
    expect(listed.result).toEqual([]);
  });
});

describe("notifications access", () => {
  it("answers 404 with code 10007 for unknown ids", async () => {
    for (const path of ["/alerting/v3/destinations/webhooks/", "/alerting/v3/policies/"]) {
      for (const id of ["00000000-0000-4000-8000-000000000000", "constructor"]) {
        for (const init of [
          {},
          jsonInit("PUT", { name: "x", url: `${receiverUrl}/h` }),
          { method: "DELETE" },
        ]) {
          const res = await api(`${path}${id}`, init);
          expect(res.status).toBe(404);
          expect(cfFailure.parse(await res.json()).errors[0]?.code).toBe(10007);
        }
      }
    }
  });

  it("needs Notifications Read to read and Notifications Write to change", async () => {
    const reader = await scopedToken(emu, ["Notifications Read"]);
    expect((await api("/alerting/v3/destinations/webhooks", {}, reader)).status).toBe(200);
    expect((await api("/alerting/v3/policies", {}, reader)).status).toBe(200);
    for (const path of ["/alerting/v3/destinations/webhooks", "/alerting/v3/policies"]) {
      const res = await api(path, jsonInit("POST", { name: "x", url: `${receiverUrl}/h` }), reader);
      expect(res.status).toBe(403);
      expect(cfFailure.parse(await res.json()).errors[0]?.code).toBe(10000);
    }
    const streamOnly = await scopedToken(emu, ["Stream Write"]);
    expect((await api("/alerting/v3/policies", {}, streamOnly)).status).toBe(403);
    const writer = await scopedToken(emu, ["Notifications Write"]);
    expect(
      (
        await api(
          "/alerting/v3/destinations/webhooks",
          jsonInit("POST", { name: "x", url: `${receiverUrl}/h` }),
          writer,
        )
      ).status,
    ).toBe(201);
  });
});

describe("live input notifications end to end", () => {
  it("posts stream_live_notifications with the destination secret, only for policies that name the input", async () => {
    const [watched, other] = [await createLiveInput(), await createLiveInput()];
    const secret = fakeSecret();
    const watchedHook = await createWebhook({ name: "watched", url: `${receiverUrl}/watched`, secret });
    const otherHook = await createWebhook({
      name: "other",
      url: `${receiverUrl}/other`,
      secret: fakeSecret(),
    });
    const policyId = await createPolicy(policyBody([watchedHook], { input_id: [watched] }));
    await createPolicy(policyBody([otherHook], { input_id: [other] }));

    await admin.setLiveInputState(watched, "connected");
    await admin.flushWebhooks();
    expect(received).toHaveLength(1);
    const [delivery] = received;
    expect(delivery?.path).toBe("/watched");
    expect(delivery?.headers["cf-webhook-auth"]).toBe(secret);
    expect(delivery?.headers["content-type"]).toContain("application/json");
    const payload = liveInputNotification.parse(delivery?.body);
    expect(payload).toMatchObject({
      account_id: emu.accountId,
      policy_id: policyId,
      alert_type: LIVE_INPUT_ALERT,
      data: { input_id: watched, event_type: "live_input.connected" },
    });

    await admin.setLiveInputState(watched, "client_disconnect");
    await admin.setLiveInputState(watched, "failed_to_connect", {
      code: "ERR_GOP_OUT_OF_RANGE",
      message: "gop",
    });
    await admin.flushWebhooks();
    const events = received.map((r) => liveInputNotification.parse(r.body).data);
    expect(events.map((e) => e.event_type)).toEqual([
      "live_input.connected",
      "live_input.disconnected",
      "live_input.errored",
    ]);
    expect(events[2]?.live_input_errored?.error.code).toBe("ERR_GOP_OUT_OF_RANGE");

    const destination = cfSuccess(webhookDestination).parse(
      await (await api(`/alerting/v3/destinations/webhooks/${watchedHook}`)).json(),
    ).result;
    expect(destination.last_success).not.toBeNull();
    await expectHiddenFromAdmin(admin, [secret]);
  });

  it("skips disabled policies, keeps the secret across an update that omits it, and covers every input when unfiltered", async () => {
    const input = await createLiveInput();
    const secret = fakeSecret();
    const hook = await createWebhook({ name: "w", url: `${receiverUrl}/first`, secret });
    const policyId = await createPolicy({ ...policyBody([hook]), enabled: false });

    await admin.setLiveInputState(input, "connected");
    await admin.flushWebhooks();
    expect(received).toEqual([]);

    await api(
      `/alerting/v3/destinations/webhooks/${hook}`,
      jsonInit("PUT", { name: "w", url: `${receiverUrl}/moved` }),
    );
    await api(`/alerting/v3/policies/${policyId}`, jsonInit("PUT", { enabled: true }));
    await admin.setLiveInputState(input, "client_disconnect");
    await admin.flushWebhooks();
    expect(received.map((r) => [r.path, r.headers["cf-webhook-auth"]])).toEqual([["/moved", secret]]);
  });
});
