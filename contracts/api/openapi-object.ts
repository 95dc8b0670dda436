import * as z from "zod/mini";

/** The OpenAPI document's top level, loosely: enough for clients to check they got one. */
export const openApiObject = z.looseObject({
  openapi: z.string().check(z.startsWith("3.1.")),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.record(z.string(), z.unknown())),
});
export type OpenApiObject = z.infer<typeof openApiObject>;
