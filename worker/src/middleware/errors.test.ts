import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { apiFailure } from "#contracts/api/envelope.ts";
import { call } from "../../test/support/api.ts";
import type { AppEnv } from "../env.ts";
import { UpstreamError } from "../upstream/http.ts";
import { notFound, onError, upstreamToApiError } from "./errors.ts";
import { requestId } from "./request-id.ts";

describe("the error envelope", () => {
  it("404s an unknown route", async () => {
    const res = await call("/api/nothing-here");
    expect(res.status).toBe(404);
    expect(apiFailure.parse(res.json).error.code).toBe("not_found");
  });

  it("405s a known route under the wrong method, with Allow", async () => {
    const res = await call("/api/realtime/turn", { method: "GET" });
    expect(res.status).toBe(405);
    expect(apiFailure.parse(res.json).error.code).toBe("method_not_allowed");
    expect(res.headers.get("allow")).toBe("POST, OPTIONS");
    const get = await call("/api/realtime/sfu/sessions/abc", { method: "DELETE" });
    expect(get.headers.get("allow")).toBe("GET, HEAD, OPTIONS");
  });

  it("answers anything unexpected with a bare 500 internal_error, never the error's message", async () => {
    const app = new Hono<AppEnv>();
    app.use(requestId);
    app.onError(onError);
    app.notFound(notFound);
    app.get("/boom", () => {
      throw new Error("database password is hunter2");
    });
    const res = await app.request("/boom", {}, {});
    expect(res.status).toBe(500);
    const body = apiFailure.parse(await res.json());
    expect(body.error).toEqual({ code: "internal_error", message: "Internal error" });
    expect(res.headers.get("x-request-id")).toBeTruthy();
  });
});

describe("upstreamToApiError", () => {
  const map = (code: UpstreamError["code"], status: number, detail = {}) =>
    upstreamToApiError(new UpstreamError("sfu", code, status, false, detail));

  it("gives every upstream failure a 502/503/429 and a code, and passes the caller's own 4xx through", () => {
    expect([map("timeout", 0).status, map("timeout", 0).code]).toEqual([503, "upstream_timeout"]);
    expect([map("unreachable", 0).status, map("unreachable", 0).code]).toEqual([503, "upstream_unavailable"]);
    expect([map("server_error", 500).status, map("server_error", 500).code]).toEqual([502, "upstream_error"]);
    expect(map("invalid_response", 200).status).toBe(502);
    expect(map("auth_failed", 401).status).toBe(502);
    expect(map("rate_limited", 429, { retryAfterSeconds: 12 }).headers).toEqual({ "retry-after": "12" });
    expect(map("rejected", 410, { upstreamCode: "session_error" }).status).toBe(410);
    expect(map("rejected", 410, { upstreamCode: "session_error" }).details).toEqual({
      upstream: "sfu",
      upstream_code: "session_error",
    });
    expect(map("rejected", 200).status).toBe(502);
  });
});

describe("HEAD", () => {
  it("answers like GET, without a body", async () => {
    const res = await call("/healthz", { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.text).toBe("");
    expect(res.headers.get("x-request-id")).toBeTruthy();
  });
});
