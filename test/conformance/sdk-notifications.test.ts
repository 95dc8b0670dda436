import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import {
  LIVE_INPUT_ALERT,
  notificationPolicy,
  webhookDestination,
} from "#contracts/cloudflare/notifications.ts";
import { scopedToken } from "#emulator/testing.ts";
import { conformanceSuite, expectApiError } from "./harness.ts";

const ctx = conformanceSuite();

describe("notification destinations and policies through the official SDK", () => {
  it("webhook destinations: create, list, get, update, delete; the secret never comes back", async () => {
    const cf = ctx.sdk();
    const account_id = ctx.emu.accountId;
    const webhooks = cf.alerting.destinations.webhooks;
    const secret = randomBytes(24).toString("hex");
    const { id } = await webhooks.create({
      account_id,
      name: "worker",
      url: "https://example.com/hook",
      secret,
    });
    expect(id).toBeDefined();
    const listed = [];
    for await (const w of webhooks.list({ account_id }))
      listed.push(z.strictObject(webhookDestination.shape).parse(w));
    expect(listed.map((w) => w.id)).toEqual([id]);
    const updated = await webhooks.update(id!, {
      account_id,
      name: "renamed",
      url: "https://example.com/v2",
    });
    expect(updated).toEqual({ id });
    const got = z.strictObject(webhookDestination.shape).parse(await webhooks.get(id!, { account_id }));
    expect(got).toMatchObject({ name: "renamed", url: "https://example.com/v2", type: "generic" });
    expect((await webhooks.delete(id!, { account_id })).success).toBe(true);
    await expectApiError(webhooks.get(id!, { account_id }), 404, 10007);
    expect(JSON.stringify(ctx.exchanges)).not.toContain(secret);
  });

  it("policies: create, list, get, update, delete", async () => {
    const cf = ctx.sdk();
    const account_id = ctx.emu.accountId;
    const destination = await cf.alerting.destinations.webhooks.create({
      account_id,
      name: "worker",
      url: "https://example.com/hook",
    });
    const { id } = await cf.alerting.policies.create({
      account_id,
      name: "live-input-events",
      alert_type: LIVE_INPUT_ALERT,
      enabled: true,
      mechanisms: { webhooks: [{ id: destination.id! }] },
      filters: { input_id: ["a".repeat(32)] },
    });
    const listed = [];
    for await (const p of cf.alerting.policies.list({ account_id })) listed.push(notificationPolicy.parse(p));
    expect(listed.map((p) => p.id)).toEqual([id]);
    expect(await cf.alerting.policies.update(id!, { account_id, enabled: false })).toEqual({ id });
    const got = notificationPolicy.parse(await cf.alerting.policies.get(id!, { account_id }));
    expect(got).toMatchObject({
      enabled: false,
      alert_type: LIVE_INPUT_ALERT,
      filters: { input_id: ["a".repeat(32)] },
    });
    expect((await cf.alerting.policies.delete(id!, { account_id })).success).toBe(true);
    await expectApiError(cf.alerting.policies.get(id!, { account_id }), 404, 10007);
  });

  it("surfaces 403 as Cloudflare.APIError for a token without Notifications Write", async () => {
    const reader = ctx.sdk(await scopedToken(ctx.emu, ["Notifications Read"]));
    const account_id = ctx.emu.accountId;
    expect((await reader.alerting.policies.list({ account_id })).getPaginatedItems()).toEqual([]);
    await expectApiError(
      reader.alerting.destinations.webhooks.create({ account_id, name: "x", url: "https://example.com/h" }),
      403,
      10000,
    );
  });
});
