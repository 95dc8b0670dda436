import { API_ERRORS, type ApiErrorCode } from "./errors.ts";
import { REQUEST_ID_HEADER } from "./headers.ts";
import type { OpenApiObject } from "./openapi-object.ts";
import type { RouteName } from "./route-table.ts";
import { API_ROUTES, type ApiRoute } from "./routes.ts";

export type JsonSchema = Record<string, unknown>;

/** A route's schemas in the document, already JSON Schema (contracts/api/openapi-schemas.ts converts them). */
export interface RouteSchemas {
  /** Its path, then its query parameters. */
  parameters?: JsonSchema[];
  body?: JsonSchema;
  /** The success body (in its envelope where it has one), event data or server message; none for a page. */
  success?: JsonSchema;
}

/** Every schema the document holds, converted from zod (contracts/api/openapi-schemas.ts). */
export interface OpenApiSchemas {
  failure: JsonSchema;
  routes: Record<RouteName, RouteSchemas>;
}

/** What any route may answer, by how it authenticates and what it calls. */
function errorCodes(route: ApiRoute): ApiErrorCode[] {
  const codes: ApiErrorCode[] = [...route.errors];
  const authenticated = route.auth !== "none";
  const bearer = authenticated && route.auth !== "webhook";
  if (authenticated) codes.push("unauthorized", "not_configured");
  // Also 400 for a credential sent twice (or a tenant id or bearer with a comma): ambiguous.
  if (bearer) codes.push("invalid_credential", "invalid_request");
  // A genuine credential of another tenant, session or room; the probe key names none of them.
  if (bearer && route.auth !== "probe") codes.push("forbidden");
  if (route.body) codes.push("payload_too_large");
  if (route.mints || route.upstream) codes.push("rate_limited");
  if (route.upstream) {
    codes.push(
      "upstream_error",
      "upstream_invalid_response",
      "upstream_auth_failed",
      "upstream_rejected",
      "upstream_rate_limited",
      "upstream_timeout",
      "upstream_unavailable",
    );
  }
  return [...new Set(codes)];
}

const requestIdHeader = {
  [REQUEST_ID_HEADER]: {
    description: "Echoes a well-formed incoming id, else a new one",
    schema: { type: "string" },
  },
};

/** The success response: the envelope around `data`, or what the route produces instead. */
function success(route: ApiRoute, schema: JsonSchema | undefined): JsonSchema {
  switch (route.produces) {
    case "websocket":
      return {
        description: `${route.summary}. Each server message is a JSON text frame.`,
        "x-server-messages": schema,
      };
    case "event-stream":
      return {
        description: route.summary,
        headers: requestIdHeader,
        content: {
          "text/event-stream": {
            schema: { type: "string" },
            "x-event-data": schema,
          },
        },
      };
    case "html":
      return { description: route.summary, content: { "text/html": { schema: { type: "string" } } } };
    default:
      return {
        description: route.summary,
        ...(route.asset ? {} : { headers: requestIdHeader }),
        content: { "application/json": { schema } },
      };
  }
}

function responses(route: ApiRoute, schemas: RouteSchemas): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = { [route.status]: success(route, schemas.success) };
  const byStatus = new Map<number, ApiErrorCode[]>();
  for (const code of errorCodes(route)) {
    const status = API_ERRORS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    out[status] = {
      description: `error.code: ${codes.join(", ")}`,
      headers: requestIdHeader,
      content: { "application/json": { schema: { $ref: "#/components/schemas/Failure" } } },
    };
  }
  return out;
}

const SECURITY = {
  none: [],
  tenant: [{ tenantId: [], tenantKey: [] }],
  session: [{ tenantId: [], sessionToken: [] }],
  webhook: [{ webhookSecret: [] }],
  room: [{ roomToken: [] }],
  probe: [{ probeKey: [] }],
} as const;

/**
 * The OpenAPI 3.1 document of the Worker API around its schemas: which routes there are, how they
 * authenticate and what they may answer, from the route table. `buildOpenApiDocument`
 * (contracts/api/openapi-schemas.ts) gives it the schemas it converts from zod.
 */
export function openApiDocument(schemas: OpenApiSchemas, info: { version: string }): OpenApiObject {
  const paths: Record<string, Record<string, unknown>> = {};
  const put = (path: string, method: string, operation: object) => {
    const key = path.replace(/:([A-Za-z_]+)/g, "{$1}");
    paths[key] = { ...paths[key], [method.toLowerCase()]: operation };
  };
  for (const [name, route] of Object.entries(API_ROUTES) as [RouteName, ApiRoute][]) {
    const { parameters: params = [], body } = schemas.routes[name];
    const operation = {
      summary: route.summary,
      security: SECURITY[route.auth],
      ...(params.length > 0 ? { parameters: params } : {}),
      ...(body ? { requestBody: { required: true, content: { "application/json": { schema: body } } } } : {}),
      responses: responses(route, schemas.routes[name]),
    };
    put(route.path, route.method, { operationId: name, ...operation });
    (route.aliases ?? []).forEach((alias, i) => {
      put(alias, route.method, {
        operationId: `${name}Alias${i === 0 ? "" : i + 1}`,
        ...operation,
        description: `Alias of ${route.method} ${route.path}: the same auth, limits and answers.`,
        "x-alias-of": name,
      });
    });
  }
  return {
    openapi: "3.1.1",
    info: {
      title: "realtime-stack Worker API",
      version: info.version,
      description:
        "Stream status and short-lived TURN / SFU credentials for the tenants of one stack " +
        "(GET /healthz names it). `info.version` is the Worker's code version, as /healthz reports it.",
    },
    paths,
    components: {
      schemas: { Failure: schemas.failure },
      securitySchemes: {
        tenantId: { type: "apiKey", in: "header", name: "X-Tenant-ID" },
        tenantKey: { type: "http", scheme: "bearer", description: "The tenant's API key" },
        sessionToken: {
          type: "http",
          scheme: "bearer",
          description: "The token POST /api/realtime/sfu returned with the session",
        },
        webhookSecret: {
          type: "apiKey",
          in: "header",
          name: "cf-webhook-auth",
          description: "The notification destination's secret, which Cloudflare sends verbatim",
        },
        probeKey: {
          type: "http",
          scheme: "bearer",
          description:
            "The stack's probe key (stack output probe.apiKey): the probe input's status, nothing else",
        },
        roomToken: {
          type: "apiKey",
          in: "query",
          name: "token",
          description: "The token POST /api/realtime/join or /api/realtime/sfu returned for this room",
        },
      },
    },
  };
}
