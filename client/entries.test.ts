import { describe, expect, it } from "vitest";
import { API_ROUTES, type ApiRoute } from "#contracts/api/routes.ts";
import { createBrowserClient } from "./browser.ts";
import { ApiError, createServerClient } from "./server.ts";

const BASE = "http://127.0.0.1:1";
const KEY_SHAPED = `rsk.3.${"A".repeat(43)}`;
const grant = {
  topology: "sfu" as const,
  tenant: "acme",
  room_id: "room",
  user_id: "ada",
  token: "session-token",
  ws_url: "ws://127.0.0.1:1/api/realtime/rooms/room/ws",
  ice_servers: [{ urls: "turn:127.0.0.1:3478" }],
  sfu: { session_id: "s1", app_id: "app" },
  participants: 3,
  expires_at: new Date().toISOString(),
  expires_in: 3600,
};

/** Where each entry reaches a route of the table, by its auth. */
function serverMethods(auth: ApiRoute["auth"]): object {
  const server = createServerClient({ baseUrl: BASE, tenant: "acme", key: KEY_SHAPED });
  const by: Record<ApiRoute["auth"], object> = {
    none: server,
    tenant: server,
    session: server.session({ tenant: "acme", session_id: "s1", token: "t" }),
    room: server.room({ room_id: "room", token: "t" }),
    probe: server.probe("p"),
    webhook: server.webhook("w"),
  };
  return by[auth];
}

function browserMethods(auth: ApiRoute["auth"]): object | undefined {
  const browser = createBrowserClient({ baseUrl: BASE, tenant: "acme" });
  const withGrant = browser.withGrant(grant);
  const by: Partial<Record<ApiRoute["auth"], object | undefined>> = {
    none: browser,
    tenant: browser.withDashboardToken("dashboard-token"),
    session: withGrant.session,
    room: withGrant.room,
  };
  return by[auth];
}

describe("every route of the table has a client method", () => {
  for (const [name, route] of Object.entries(API_ROUTES) as [string, ApiRoute][]) {
    it(`${name} (${route.auth}) from the server entry`, () => {
      expect(typeof (serverMethods(route.auth) as Record<string, unknown>)[name]).toBe("function");
    });
    // A browser holds a dashboard token or a join grant: never the probe key or Cloudflare's webhook secret.
    if (route.auth !== "probe" && route.auth !== "webhook") {
      it(`${name} (${route.auth}) from the browser entry`, () => {
        expect(typeof (browserMethods(route.auth) as Record<string, unknown>)[name]).toBe("function");
      });
    }
  }
});

describe("the server entry's tenant key", () => {
  it("goes to the tenant's routes only, never to a public one", async () => {
    const sent: { path: string; authorization: string | null }[] = [];
    const server = createServerClient({
      baseUrl: BASE,
      tenant: "acme",
      key: KEY_SHAPED,
      fetch: async (url, init) => {
        sent.push({
          path: new URL(String(url)).pathname,
          authorization: new Headers(init?.headers).get("authorization"),
        });
        return new Response("{}", { status: 500 });
      },
    });
    await server.healthz().catch(() => {});
    await server.streamChannels().catch(() => {});
    expect(sent).toEqual([
      { path: "/healthz", authorization: null },
      { path: "/api/stream/channels", authorization: `Bearer ${KEY_SHAPED}` },
    ]);
  });
});

describe("the browser entry refuses a tenant key", () => {
  it("as the dashboard token, the tenant, or a grant's token, before anything is sent", async () => {
    const sent: string[] = [];
    const browser = createBrowserClient({
      baseUrl: BASE,
      tenant: "acme",
      fetch: async (url) => {
        sent.push(String(url));
        return new Response("{}");
      },
    });
    expect(() => browser.withDashboardToken(KEY_SHAPED)).toThrow(/tenant key must never reach a browser/);
    expect(() => browser.withDashboardToken(`Bearer ${KEY_SHAPED}`)).toThrow(TypeError);
    expect(() => createBrowserClient({ baseUrl: BASE, tenant: KEY_SHAPED })).toThrow(TypeError);
    expect(() => browser.withGrant({ ...grant, token: KEY_SHAPED })).toThrow(TypeError);
    // A token read at each call: one that turns into a key is refused at that call.
    let token = "dashboard-token";
    const tenantRoutes = browser.withDashboardToken(() => token);
    token = KEY_SHAPED;
    await expect(tenantRoutes.streamChannels()).rejects.toThrow(TypeError);
    expect(sent).toEqual([]);
  });
});

describe("retries, when asked for", () => {
  /** A fetch that answers with `statuses` in turn (200 after them), each made by `respond`, counting calls. */
  const scripted =
    (respond: (status: number) => Response) =>
    (...statuses: number[]) => {
      const calls: string[] = [];
      const fetch = async (_url: URL | RequestInfo, init?: RequestInit) => {
        calls.push(String(init?.method));
        return respond(statuses[calls.length - 1] ?? 200);
      };
      return { calls, fetch: fetch as typeof globalThis.fetch };
    };
  const channels = () =>
    Response.json({ success: true, data: { channels: [] } }, { headers: { "x-request-id": "req-12345678" } });
  /** A server client with three attempts, over a scripted fetch. */
  const retrying = (script: { fetch: typeof globalThis.fetch }) =>
    createServerClient({ ...script, baseUrl: BASE, tenant: "acme", key: "k", retry: { attempts: 3 } });
  /** The Worker's own answers. */
  const answers = scripted((status) => {
    if (status === 200) return channels();
    const code = status === 429 ? "rate_limited" : "upstream_unavailable";
    return Response.json(
      { success: false, error: { code, message: "try later" } },
      { status, headers: status === 429 ? { "retry-after": "0" } : {} },
    );
  });
  /** What Cloudflare's edge or a firewall answers in the Worker's place: HTML, or plain text. */
  const pages = scripted((status) => {
    if (status === 200) return channels();
    return new Response(status === 429 ? "Too Many Requests" : "<html>502 Bad Gateway</html>", {
      status,
      headers: status === 429 ? { "retry-after": "0" } : { "content-type": "text/html" },
    });
  });

  it("a GET after 503 and 429, honouring Retry-After", async () => {
    const { calls, fetch } = answers(503, 429, 200);
    const client = createServerClient({
      baseUrl: BASE,
      tenant: "acme",
      key: "k",
      fetch,
      retry: { attempts: 3 },
    });
    expect(await client.streamChannels()).toEqual({ channels: [] });
    expect(calls).toEqual(["GET", "GET", "GET"]);
  });

  it("a mint after 429 only: a 503 may have minted, so it is not sent twice", async () => {
    const limited = answers(429, 200);
    const client = retrying(limited);
    await expect(client.turn({})).rejects.toBeInstanceOf(ApiError); // 200 with channels is not TURN's answer
    expect(limited.calls).toEqual(["POST", "POST"]);
    const failing = answers(503, 200);
    const again = retrying(failing);
    await expect(again.turn({})).rejects.toMatchObject({ status: 503, code: "upstream_unavailable" });
    expect(failing.calls).toEqual(["POST"]);
  });

  it("a GET past an error page from in front of the Worker, a mint past a 429 page only", async () => {
    const read = pages(502, 429, 200);
    const client = retrying(read);
    expect(await client.streamChannels()).toEqual({ channels: [] });
    expect(read.calls).toEqual(["GET", "GET", "GET"]);
    const mint = pages(502, 200);
    const minting = retrying(mint);
    await expect(minting.turn({})).rejects.toMatchObject({ status: 502, code: "invalid_response" });
    expect(mint.calls).toEqual(["POST"]);
    const limited = pages(429);
    const once = createServerClient({ ...limited, baseUrl: BASE, tenant: "acme", key: "k" });
    await expect(once.turn({})).rejects.toMatchObject({ status: 429, retryAfter: 0 });
  });

  it("none unless asked for", async () => {
    const { calls, fetch } = answers(503, 200);
    const client = createServerClient({ baseUrl: BASE, tenant: "acme", key: "k", fetch });
    await expect(client.streamChannels()).rejects.toMatchObject({ status: 503 });
    expect(calls).toEqual(["GET"]);
  });

  it("an answer that is not the route's contract is an invalid_response, with the request id", async () => {
    const { fetch } = answers(200);
    const client = createServerClient({ baseUrl: BASE, tenant: "acme", key: "k", fetch });
    await expect(client.turn({})).rejects.toMatchObject({
      code: "invalid_response",
      requestId: "req-12345678",
    });
  });
});
