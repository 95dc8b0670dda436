import type { OpenApiSchemas } from "#contracts/api/openapi.ts";

/**
 * The OpenAPI document's schemas, converted from the zod schemas that validate requests when the
 * Worker is built: infra/worker-bundle.ts and the Worker's own tests put them in place of this
 * string (`embedOpenApiSchemas`, contracts/api/openapi-schemas.ts), so the Worker does not ship
 * zod's JSON Schema converter. The build refuses a script that still holds the placeholder.
 */
export const OPENAPI_SCHEMAS = "__REALTIME_STACK_OPENAPI_SCHEMAS__" as unknown as OpenApiSchemas;
