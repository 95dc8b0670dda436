import * as z from "zod/mini";
import { apiFailure, apiSuccess } from "./envelope.ts";
import { type JsonSchema, type OpenApiSchemas, openApiDocument, type RouteSchemas } from "./openapi.ts";
import type { OpenApiObject } from "./openapi-object.ts";
import { API_ROUTES, type ApiRoute } from "./routes.ts";

/** JSON Schema 2020-12, the dialect OpenAPI 3.1 uses by default, without a per-schema `$schema`. */
function jsonSchema(schema: z.ZodMiniType, io: "input" | "output"): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as JsonSchema;
  return rest;
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

/** What the success response carries: the envelope around `data`, or `data` alone; nothing for a page. */
function success(route: ApiRoute): JsonSchema | undefined {
  if (route.produces === "html") return undefined;
  if (route.produces || route.envelope === false) return jsonSchema(route.data, "output");
  return jsonSchema(apiSuccess(route.data), "output");
}

/** Every schema the OpenAPI document holds, converted from the zod schemas that validate requests. */
export function openApiSchemas(): OpenApiSchemas {
  const routes: Record<string, RouteSchemas> = {};
  for (const [name, route] of Object.entries(API_ROUTES) as [string, ApiRoute][]) {
    const params = parameters(route);
    const answer = success(route);
    routes[name] = {
      ...(params.length > 0 ? { parameters: params } : {}),
      ...(route.body ? { body: jsonSchema(route.body, "input") } : {}),
      ...(answer ? { success: answer } : {}),
    };
  }
  return { failure: jsonSchema(apiFailure, "output"), routes: routes as OpenApiSchemas["routes"] };
}

/**
 * The OpenAPI 3.1 document of the Worker API, generated from the same schemas that validate
 * requests. The Worker's build writes it among the static assets (infra/worker-assets.ts), so that
 * neither the document nor zod's JSON Schema converter is part of the script.
 */
export function buildOpenApiDocument(info: { version: string }): OpenApiObject {
  return openApiDocument(openApiSchemas(), info);
}
