import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { apiFailure } from "#contracts/api/envelope.ts";
import { REQUEST_ID_HEADER } from "#contracts/api/headers.ts";
import { API_ROUTES, type ApiRoute } from "#contracts/api/routes.ts";
import { BODY_LIMIT_BYTES } from "../src/middleware/body-limit.ts";
import { type CallOptions, call, fixture, tenantKey } from "./support/api.ts";

/**
 * At least a thousand generated bad requests across every route: each must get a 4xx in the
 * envelope, never a 5xx, never a success. Every generator breaks at least one thing on purpose.
 */
const ROUTES = Object.values(API_ROUTES) as ApiRoute[];
const AUTHENTICATED = ROUTES.filter((route) => route.auth !== "none");
const WITH_BODY = ROUTES.filter((route) => route.body !== undefined && route.auth === "tenant");
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

let acmeKey = "";
let globexKey = "";
beforeAll(async () => {
  acmeKey = await tenantKey("acme");
  globexKey = await tenantKey("globex");
});

interface Bad {
  path: string;
  options: CallOptions;
}

const concretePath = (route: ApiRoute, sessionId: string) =>
  route.path.replace(":session_id", encodeURIComponent(sessionId));
const sessionId = fc.oneof(
  fc.stringMatching(/^[0-9a-f]{32}$/),
  fc.string({ minLength: 1, maxLength: 80, unit: "grapheme" }),
);
/** Strings a hostile or broken client might send: unicode, control characters, huge numbers. */
const junk = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 200 }),
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.bigInt().map(String),
  fc.constantFrom("", " ", "null", "undefined", "NaN", "1e309", "-0", "\u0000", "🙂".repeat(50), "Bearer"),
);
const headerValue = junk.map((s) => s.replace(/[^\x20-\x7e]/g, "").slice(0, 100));
const jsonBody = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  junk,
  fc
    .record({ ttl: fc.oneof(fc.double(), fc.bigInt().map(String), fc.constant(1e308)) })
    .map((v) => JSON.stringify(v)),
);

/** No credential, a garbage one, or a real key of the wrong tenant: on every authenticated route. */
const badCredentials = fc
  .record({
    route: fc.constantFrom(...AUTHENTICATED),
    session: sessionId,
    tenant: fc.option(fc.oneof(fc.constantFrom("acme", "globex", "nobody", "__proto__"), headerValue), {
      nil: undefined,
    }),
    bearer: fc.option(
      fc.oneof(
        headerValue,
        fc.constant("rsk.2.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        fc.constant("GLOBEX"),
      ),
      {
        nil: undefined,
      },
    ),
    body: fc.option(jsonBody, { nil: undefined }),
  })
  .filter(({ tenant, bearer }) => !(tenant === "globex" && bearer === "GLOBEX"))
  .map(
    ({ route, session, tenant, bearer, body }): Bad => ({
      path: concretePath(route, session),
      options: {
        method: route.method,
        ...(tenant === undefined ? {} : { tenant }),
        ...(bearer === undefined ? {} : { bearer: bearer === "GLOBEX" ? globexKey : bearer }),
        ...(body === undefined || route.method === "GET" ? {} : { body }),
      },
    }),
  );

/** A real key with a body that its route's schema refuses (or that is not JSON at all). */
const badBodies = fc
  .record({ route: fc.constantFrom(...WITH_BODY), body: jsonBody })
  .filter(({ route, body }) => {
    try {
      return !(route.body as { safeParse(v: unknown): { success: boolean } }).safeParse(JSON.parse(body))
        .success;
    } catch {
      return body.trim() !== "";
    }
  })
  .map(
    ({ route, body }): Bad => ({
      path: route.path,
      options: { method: route.method, tenant: "acme", bearer: acmeKey, body },
    }),
  );

/** A real key asking for a channel it does not have, or with a malformed query. */
const badQueries = fc
  .oneof(
    junk.map((channel) => `channel=${encodeURIComponent(channel)}`),
    fc.webQueryParameters(),
    fc.constantFrom("channel=main&channel", "channel[]=main", "chan=main", "channel=backup%00"),
  )
  // Without `channel` the query asks for every channel, which is no bad request.
  .filter((query) => {
    const channel = new URLSearchParams(query).get("channel");
    return channel !== null && !Object.keys(fixture().tenants.tenants.acme!.channels).includes(channel);
  })
  .map(
    (query): Bad => ({ path: `/api/stream/status?${query}`, options: { tenant: "acme", bearer: acmeKey } }),
  );

/** Paths that are no route, or a route under a method it does not have. */
const badRoutes = fc
  .oneof(
    fc.webPath().map((path) => ({ path: `/api${path}`, method: "GET" })),
    fc
      .record({ route: fc.constantFrom(...ROUTES), method: fc.constantFrom(...METHODS) })
      .map(({ route, method }) => ({
        path: concretePath(route, "0123456789abcdef0123456789abcdef"),
        method,
      })),
  )
  .filter(
    ({ path, method }) =>
      !ROUTES.some(
        (route) =>
          route.method === method && new RegExp(`^${route.path.replace(/:[a-z_]+/g, "[^/]+")}$`).test(path),
      ),
  )
  .map(({ path, method }): Bad => ({ path, options: { method, tenant: "acme", bearer: acmeKey } }));

/** Bodies over the limit, whatever else is wrong or right with the request. */
const oversized = fc
  .record({ route: fc.constantFrom(...ROUTES.filter((r) => r.method !== "GET")), extra: fc.nat(4096) })
  .map(
    ({ route, extra }): Bad => ({
      path: concretePath(route, "0123456789abcdef0123456789abcdef"),
      options: {
        method: route.method,
        tenant: "acme",
        bearer: acmeKey,
        body: JSON.stringify({ pad: "x".repeat(BODY_LIMIT_BYTES + extra) }),
      },
    }),
  );

/** Junk in the headers every request may carry. */
const junkHeaders = fc.record({
  "x-request-id": headerValue,
  "content-type": fc.oneof(headerValue, fc.constant("text/plain")),
  accept: headerValue,
});

describe("generated bad requests", () => {
  it("always get a 4xx in the envelope with a request id, never a 5xx", async () => {
    const bad = fc.tuple(fc.oneof(badCredentials, badBodies, badQueries, badRoutes, oversized), junkHeaders);
    await fc.assert(
      fc.asyncProperty(bad, async ([{ path, options }, headers]) => {
        const res = await call(path, { ...options, headers: { ...headers, ...options.headers } });
        expect(res.status, `${options.method} ${path}`).toBeGreaterThanOrEqual(400);
        expect(res.status, `${options.method} ${path}`).toBeLessThan(500);
        expect(apiFailure.safeParse(res.json).success, res.text).toBe(true);
        expect(res.headers.get(REQUEST_ID_HEADER)).toBeTruthy();
      }),
      { numRuns: 1200, seed: 20_260_401 },
    );
  });
});
