import { describe, expect, it } from "vitest";
import { OpenApiValidator } from "./openapi.ts";

const validator = new OpenApiValidator();
const ok = (result: unknown) => ({ success: true, errors: [], messages: [], result });
const at = "2026-01-02T03:04:05.000Z";
const app = { uid: "a".repeat(32), name: "app", created: at, modified: at };

describe("OpenAPI subset validator", () => {
  it("validates bodies through $refs and reports each violation", () => {
    expect(validator.check("GET", "/client/v4/accounts/x/calls/apps/id", 200, ok(app))).toMatchObject({
      covered: true,
      errors: [],
    });
    const bad = validator.check(
      "GET",
      "/accounts/x/calls/apps/id",
      200,
      ok({ ...app, created: "yesterday" }),
    );
    expect(bad).toMatchObject({ covered: true, errors: ['/result/created must match format "date-time"'] });
  });

  it("turns OpenAPI `nullable` into a JSON Schema null type", () => {
    const failure = {
      success: false,
      errors: [{ code: 10007, message: "not found" }],
      messages: [],
      result: null,
    };
    expect(validator.check("GET", "/accounts/x/calls/apps/id", 404, failure)).toMatchObject({ errors: [] });
  });

  it("flags statuses the operation does not declare and ignores paths outside the subset", () => {
    const created = ok({ ...app, secret: "f".repeat(64) });
    expect(validator.check("POST", "/accounts/x/calls/apps", 201, created)).toMatchObject({ errors: [] });
    expect(validator.check("POST", "/accounts/x/calls/apps", 200, created)).toMatchObject({
      errors: ["status 200 is not declared"],
    });
    expect(validator.check("GET", "/accounts/x/tokens", 200, ok([]))).toEqual({ covered: false });
  });

  it("prefers literal path segments over parameters", () => {
    expect(validator.templateFor("/client/v4/user/tokens/verify?x=1")).toBe("/user/tokens/verify");
    expect(validator.templateFor("/user/tokens/abc")).toBe("/user/tokens/{token_id}");
  });

  it("tolerates the documented spec bugs and nothing more", () => {
    expect(validator.check("GET", "/accounts/x/calls/apps", 200, ok([app]))).toMatchObject({ errors: [] });
    expect(validator.check("GET", "/accounts/x/calls/turn_keys", 200, ok([app]))).toMatchObject({
      errors: [],
    });
    expect(validator.check("GET", "/accounts/x/calls/turn_keys", 200, ok(["f".repeat(64)]))).toMatchObject({
      errors: ["/result/0 must be object"],
    });
    const turnKey = ok({ ...app, key: "f".repeat(64) });
    expect(validator.check("POST", "/accounts/x/calls/turn_keys", 201, turnKey)).toMatchObject({
      errors: [],
    });
    const live = ok({
      uid: "b".repeat(32),
      deleteRecordingAfterDays: null,
      recording: { mode: "off", allowedOrigins: null },
      status: null,
    });
    expect(validator.check("GET", "/accounts/x/stream/live_inputs/id", 200, live)).toMatchObject({
      errors: [],
    });

    const forbidden = {
      success: false,
      errors: [{ code: 10000, message: "Forbidden" }],
      messages: [],
      result: null,
    };
    expect(validator.check("POST", "/accounts/x/calls/turn_keys", 403, forbidden)).toMatchObject({
      errors: [],
    });

    const strict = new OpenApiValidator([]);
    expect(strict.check("POST", "/accounts/x/calls/turn_keys", 403, forbidden)).toMatchObject({
      errors: ["status 403 is not declared"],
    });
    expect(strict.check("GET", "/accounts/x/calls/apps", 200, ok([app])).covered).toBe(true);
    expect(strict.check("GET", "/accounts/x/calls/apps", 200, ok([app]))).not.toMatchObject({ errors: [] });
  });

  it("assertValid throws with the operation and every violation", () => {
    expect(() => validator.assertValid("GET", "/accounts/x/calls/apps/id", 200, ok({ uid: 1 }))).toThrow(
      /GET \/accounts\/\{account_id\}\/calls\/apps\/\{app_id\} → 200 violates the OpenAPI subset:\n\/result\/uid must be string/,
    );
  });
});
