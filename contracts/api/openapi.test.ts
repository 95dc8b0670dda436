import { Validator } from "@seriousme/openapi-schema-validator";
import { Ajv2020 } from "ajv/dist/2020.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type * as z from "zod";
import { buildOpenApiDocument } from "./openapi-schemas.ts";
import { API_ROUTES, type ApiRoute } from "./routes.ts";

const document = buildOpenApiDocument({ version: "1.0.0" });
const routes = Object.entries(API_ROUTES) as [string, ApiRoute][];
type Operation = {
  requestBody?: { content: { "application/json": { schema: object } } };
  parameters?: { name: string; in: string; schema: object }[];
};
const operation = (route: ApiRoute) =>
  document.paths[route.path.replace(/:([A-Za-z_]+)/g, "{$1}")]?.[route.method.toLowerCase()] as Operation;

/** Formats are checked by the zod side and by the patterns zod emits beside them. */
const ajv = new Ajv2020({ strict: false, validateFormats: false });

describe("the OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const result = await new Validator().validate(structuredClone(document));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.openapi).toMatch(/^3\.1\./);
  });

  it("describes every route of the table, under its method, with its auth", () => {
    for (const [name, route] of routes) {
      const op = operation(route) as { operationId: string; security: unknown[] };
      expect(op.operationId).toBe(name);
      expect(op.security.length > 0).toBe(route.auth !== "none");
    }
  });

  // The document's request schemas must accept exactly what the zod schemas accept.
  const bodies = routes.filter(([, route]) => route.body !== undefined);
  it.each(bodies)("%s: the body schema agrees with zod on generated values", (_name, route) => {
    const validate = ajv.compile(operation(route).requestBody!.content["application/json"].schema);
    const schema = route.body as z.ZodType;
    const samples = fc.oneof(
      fc.jsonValue(),
      fc.record(
        {
          channel: fc.oneof(fc.constantFrom("main", "a b", ""), fc.string()),
          ttl: fc.oneof(fc.integer({ min: 0, max: 200_000 }), fc.double(), fc.string()),
          user_id: fc.oneof(fc.constantFrom("alice", "x".repeat(65)), fc.string()),
          room_id: fc.oneof(fc.constant("room-1"), fc.string()),
          user_name: fc.oneof(fc.constantFrom("Ana", "bell\u0007"), fc.string({ unit: "grapheme" })),
          tracks: fc.array(
            fc.record({ mid: fc.string(), location: fc.constantFrom("local", "remote", "x") }),
          ),
          force: fc.boolean(),
          sessionDescription: fc.record({
            sdp: fc.string(),
            type: fc.constantFrom("offer", "answer", "pranswer"),
          }),
        },
        { requiredKeys: [] },
      ),
    );
    fc.assert(
      fc.property(samples, (value) => {
        expect(validate(value)).toBe(schema.safeParse(value).success);
      }),
      { numRuns: 300, seed: 3 },
    );
  });

  it("puts path and query parameters where the routes read them", () => {
    expect(operation(API_ROUTES.streamStatus).parameters).toEqual([
      expect.objectContaining({ name: "channel", in: "query", required: false }),
    ]);
    expect(operation(API_ROUTES.sfuTracksNew).parameters).toEqual([
      expect.objectContaining({ name: "session_id", in: "path", required: true }),
    ]);
  });

  it("lists each alias under its own path as the same operation, marked as an alias of it", () => {
    const aliased = routes.filter(([, route]) => route.aliases);
    expect(aliased.map(([name, route]) => [name, route.aliases])).toEqual([
      ["turn", ["/api/realtime/turn/credentials"]],
      ["sfuSession", ["/api/realtime/sfu/connect"]],
    ]);
    for (const [name, route] of aliased) {
      const original = operation(route) as Record<string, unknown>;
      const alias = document.paths[route.aliases![0]!]?.[route.method.toLowerCase()] as Record<
        string,
        unknown
      >;
      const { operationId, description, "x-alias-of": aliasOf, ...same } = alias;
      expect(aliasOf).toBe(name);
      expect(operationId).toBe(`${name}Alias`);
      expect(description).toBe(`Alias of ${route.method} ${route.path}: the same auth, limits and answers.`);
      const { operationId: _originalId, ...originalRest } = original;
      expect(same).toEqual(originalRest);
    }
  });
});
