import { describe, expect, it } from "vitest";
import { DASHBOARD_SCRIPT_PATH, DASHBOARD_STYLE_PATH } from "#contracts/worker/dashboard-assets.ts";
import { call, fixture, secretValues, WORKER_ORIGIN } from "./support/api.ts";

describe("GET /", () => {
  it("serves the dashboard page without auth, locked down by its CSP", async () => {
    const res = await call("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.text).toContain('<html lang="en">');
    expect(res.text).toMatch(/<label>Tenant API key <input id="key"[^>]*type="password"/);
  });

  it("lets the live preview reach the channels' Stream delivery host, and nothing else", async () => {
    const delivery = new URL(fixture().tenants.playbackBase).origin;
    const csp = (await call("/")).headers.get("content-security-policy")!;
    expect(csp).toContain(`connect-src 'self' ${delivery};`);
    expect(csp).toContain(`media-src ${delivery};`);
  });

  it("runs only the script and style it names, from its own origin's static assets, nothing inline", async () => {
    const res = await call("/");
    expect(res.text).toContain(`<script type="module" src="${DASHBOARD_SCRIPT_PATH}"></script>`);
    expect(res.text).toContain(`<link rel="stylesheet" href="${DASHBOARD_STYLE_PATH}">`);
    expect(res.text).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>|<style|\sstyle=/);
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toContain(`script-src ${WORKER_ORIGIN}${DASHBOARD_SCRIPT_PATH};`);
    expect(csp).toContain(`style-src ${WORKER_ORIGIN}${DASHBOARD_STYLE_PATH};`);
  });

  it("holds no secret of the Worker's", async () => {
    const { text } = await call("/");
    for (const secret of secretValues()) expect(text).not.toContain(secret);
  });
});
