import { describe, expect, it } from "vitest";
import { openApiObject } from "#contracts/api/openapi-object.ts";
import { buildOpenApiDocument } from "#contracts/api/openapi-schemas.ts";
import { call } from "../../test/support/api.ts";

describe("GET /api/openapi.json", () => {
  it("serves, without auth and without the envelope, the document generated from the route table", async () => {
    const res = await call("/api/openapi.json");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(openApiObject.parse(res.json)).toEqual(
      buildOpenApiDocument({ version: "1.2.3-test", stack: "test" }),
    );
  });
});
