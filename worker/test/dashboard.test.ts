import { describe, expect, it } from "vitest";
import { call, fixture, secretValues } from "./support/api.ts";

async function sha256Base64(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return btoa(String.fromCharCode(...new Uint8Array(digest)));
}

const between = (html: string, open: string, close: string) => {
  const start = html.indexOf(open) + open.length;
  return html.slice(start, html.indexOf(close, start));
};

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

  it("lets exactly its own inline script and style run", async () => {
    const res = await call("/");
    const script = between(res.text, '<script type="module">', "</script>");
    const style = between(res.text, "<style>", "</style>");
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toContain(`script-src 'sha256-${await sha256Base64(script)}'`);
    expect(csp).toContain(`style-src 'sha256-${await sha256Base64(style)}'`);
  });

  it("holds no secret of the Worker's", async () => {
    const { text } = await call("/");
    for (const secret of secretValues()) expect(text).not.toContain(secret);
  });
});
