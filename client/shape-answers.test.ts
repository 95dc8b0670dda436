import { describe, expect, it } from "vitest";
import { createBrowserClient } from "./browser.ts";
import { shapeAnswers } from "./shape-answers.ts";

const BASE = "http://127.0.0.1:1";
const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/** A browser client whose every request gets `answer`. */
const browserAnswering = (answer: () => Response) =>
  createBrowserClient({ baseUrl: BASE, tenant: "acme", fetch: async () => answer() }).withDashboardToken(
    "dashboard-token",
  );

describe("the browser entry's answer check", () => {
  it("reads the Worker's error envelope, and only that", () => {
    expect(shapeAnswers.failure({ success: false, error: { code: "not_found", message: "gone" } })).toEqual({
      code: "not_found",
      message: "gone",
    });
    expect(shapeAnswers.failure({ success: false, error: { code: 404 } })).toBeUndefined();
    expect(shapeAnswers.failure({ success: true, data: {} })).toBeUndefined();
  });

  it("takes a JSON object as data and refuses anything else", () => {
    expect(shapeAnswers.data("streamChannels", { channels: [] })).toEqual({
      ok: true,
      value: { channels: [] },
    });
    expect(shapeAnswers.data("streamChannels", "channels")).toEqual({
      ok: false,
      issue: "not a JSON object",
    });
    expect(shapeAnswers.data("streamChannels", null).ok).toBe(false);
  });

  it("knows a room message by its type", () => {
    expect(shapeAnswers.data("roomSocket", { type: "leave", user_id: "ada", reason: "closed" }).ok).toBe(
      true,
    );
    expect(shapeAnswers.data("roomSocket", { type: "shout" })).toEqual({
      ok: false,
      issue: "type: not a room message (shout)",
    });
  });

  it("gives a typed ApiError for the Worker's refusal, with its code, status and Retry-After", async () => {
    const client = browserAnswering(() => {
      const res = json({ success: false, error: { code: "rate_limited", message: "slow down" } }, 429);
      res.headers.set("retry-after", "7");
      return res;
    });
    await expect(client.streamChannels()).rejects.toMatchObject({
      name: "ApiError",
      code: "rate_limited",
      status: 429,
      retryAfter: 7,
      reason: "slow down",
    });
  });

  it("refuses a success whose data is not an object as an invalid response", async () => {
    const client = browserAnswering(() => json({ success: true, data: "channels" }));
    await expect(client.streamChannels()).rejects.toMatchObject({
      code: "invalid_response",
      reason: "the answer does not match the API contract (not a JSON object)",
    });
  });

  it("sends a query route's input as its query string", async () => {
    const urls: string[] = [];
    const client = createBrowserClient({
      baseUrl: BASE,
      tenant: "acme",
      fetch: async (url) => {
        urls.push(String(url));
        return json({ success: true, data: { channel: "main" } });
      },
    }).withDashboardToken("dashboard-token");
    await client.streamStatus({ channel: "main" });
    expect(urls).toEqual([`${BASE}/api/stream/status?channel=main`]);
  });
});
