import { exports } from "cloudflare:workers";
import { expect, it } from "vitest";

it("answers /healthz with the stack and version", async () => {
  const res = await exports.default.fetch("http://worker.test/healthz");
  expect(res.status).toBe(200);
  const body = await res.json();
  expect(body).toEqual({ success: true, data: { ok: true, version: "0.0.0-local", stack: "local" } });
});
