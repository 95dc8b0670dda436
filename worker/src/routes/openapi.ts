import type { Hono } from "hono";
import { openApiDocument } from "#contracts/api/openapi.ts";
import type { OpenApiObject } from "#contracts/api/openapi-object.ts";
import { API_ROUTES } from "#contracts/api/routes.ts";
import { configReport } from "../config.ts";
import type { AppEnv } from "../env.ts";
import { mount } from "../mount.ts";
import { OPENAPI_SCHEMAS } from "../openapi-schemas.ts";

export function openApiRoutes(app: Hono<AppEnv>): void {
  let document: OpenApiObject | undefined;
  mount(app, API_ROUTES.openapi, (c) => {
    const { values } = configReport(c.env);
    document ??= openApiDocument(OPENAPI_SCHEMAS, {
      version: values.VERSION ?? "unknown",
      stack: values.STACK ?? "unknown",
    });
    return document;
  });
}
