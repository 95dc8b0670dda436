import * as z from "zod/mini";
import { apiFailure, apiSuccess } from "./envelope.ts";
import { API_ERRORS, type ApiErrorCode } from "./errors.ts";
import { REQUEST_ID_HEADER } from "./headers.ts";
import type { OpenApiObject } from "./openapi-object.ts";
import { API_ROUTES, type ApiRoute } from "./routes.ts";

type JsonSchema = Record<string, unknown>;

/** JSON Schema 2020-12, the dialect OpenAPI 3.1 uses by default, without a per-schema `$schema`. */
function jsonSchema(schema: z.ZodMiniType, io: "input" | "output"): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as JsonSchema;
  return rest;
}

/** What any route may answer, by how it authenticates and what it calls. */
function errorCodes(route: ApiRoute): ApiErrorCode[] {
  const codes: ApiErrorCode[] = [...route.errors];
  if (route.auth !== "none") codes.push("unauthorized", "not_configured");
  // Also 400 for a credential sent twice (or a tenant id or bearer with a comma): ambiguous.
  if (route.auth !== "none" && route.auth !== "webhook") {
    codes.push("invalid_credential", "forbidden", "invalid_request");
  }
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

function parameters(route: ApiRoute): JsonSchema[] {
  const from = (schema: z.ZodMiniObject | undefined, where: "path" | "query") => {
    if (!schema) return [];
    const object = jsonSchema(schema, "input") as { properties?: JsonSchema; required?: string[] };
    return Object.entries(object.properties ?? {}).map(([name, property]) => ({
      name,
      in: where,
      required: where === "path" || (object.required ?? []).includes(name),
      schema: property,
    }));
  };
  return [...from(route.params, "path"), ...from(route.query, "query")];
}

const requestIdHeader = {
  [REQUEST_ID_HEADER]: {
    description: "Echoes a well-formed incoming id, else a new one",
    schema: { type: "string" },
  },
};

/** The success response: the envelope around `data`, or what the route produces instead. */
function success(route: ApiRoute): JsonSchema {
  switch (route.produces) {
    case "websocket":
      return {
        description: `${route.summary}. Each server message is a JSON text frame.`,
        "x-server-messages": jsonSchema(route.data, "output"),
      };
    case "event-stream":
      return {
        description: route.summary,
        headers: requestIdHeader,
        content: {
          "text/event-stream": {
            schema: { type: "string" },
            "x-event-data": jsonSchema(route.data, "output"),
          },
        },
      };
    case "html":
      return { description: route.summary, content: { "text/html": { schema: { type: "string" } } } };
    default: {
      const body = route.envelope === false ? route.data : apiSuccess(route.data);
      return {
        description: route.summary,
        headers: requestIdHeader,
        content: { "application/json": { schema: jsonSchema(body, "output") } },
      };
    }
  }
}

function responses(route: ApiRoute): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = { [route.status]: success(route) };
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

/** The OpenAPI 3.1 document of the Worker API, generated from the same schemas that validate requests. */
export function buildOpenApiDocument(info: { version: string; stack: string }): OpenApiObject {
  const paths: Record<string, Record<string, unknown>> = {};
  const put = (path: string, method: string, operation: object) => {
    const key = path.replace(/:([A-Za-z_]+)/g, "{$1}");
    paths[key] = { ...paths[key], [method.toLowerCase()]: operation };
  };
  for (const [name, route] of Object.entries(API_ROUTES) as [string, ApiRoute][]) {
    const params = parameters(route);
    const operation = {
      summary: route.summary,
      security: SECURITY[route.auth],
      ...(params.length > 0 ? { parameters: params } : {}),
      ...(route.body
        ? {
            requestBody: {
              required: true,
              content: { "application/json": { schema: jsonSchema(route.body, "input") } },
            },
          }
        : {}),
      responses: responses(route),
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
      description: `Stream status and short-lived TURN / SFU credentials for the tenants of stack ${info.stack}.`,
    },
    paths,
    components: {
      schemas: { Failure: jsonSchema(apiFailure, "output") },
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
