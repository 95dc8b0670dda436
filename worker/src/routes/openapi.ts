import type { Hono } from "hono";
import { buildOpenApiDocument } from "#contracts/api/openapi.ts";
import type { OpenApiObject } from "#contracts/api/openapi-object.ts";
import { API_ROUTES } from "#contracts/api/routes.ts";
import { configReport } from "../config.ts";
import type { AppEnv } from "../env.ts";
import { mount } from "../mount.ts";

export function openApiRoutes(app: Hono<AppEnv>): void {
  let document: OpenApiObject | undefined;
  mount(app, API_ROUTES.openapi, (c) => {
    const { values } = configReport(c.env);
    document ??= buildOpenApiDocument({
      version: values.VERSION ?? "unknown",
      stack: values.STACK ?? "unknown",
    });
    return document;
  });
}
