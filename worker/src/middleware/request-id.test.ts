import { describe, expect, it } from "vitest";
import { call } from "../../test/support/api.ts";

const idOf = async (incoming?: string, path = "/healthz") =>
  (await call(path, incoming === undefined ? {} : { headers: { "x-request-id": incoming } })).headers.get(
    "x-request-id",
  );

describe("x-request-id", () => {
  it("is generated when the caller sends none, on successes and failures alike", async () => {
    expect(await idOf()).toMatch(/^[0-9a-f-]{36}$/);
    expect(await idOf(undefined, "/nowhere")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("keeps a well-formed incoming id", async () => {
    expect(await idOf("trace_0123-abcdef")).toBe("trace_0123-abcdef");
  });

  it("replaces an incoming id that is too short, too long or has other characters", async () => {
    for (const bad of ["short", "x".repeat(65), "has space in it", "semi;colon-12345", 'quote"d-12345678']) {
      const id = await idOf(bad);
      expect(id).not.toBe(bad);
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});
