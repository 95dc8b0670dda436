import Cloudflare from "cloudflare";
import { describe, expect, inject, it } from "vitest";
import { REQUEST_ID_HEADER } from "#contracts/api/headers.ts";
import { buildOpenApiDocument } from "#contracts/api/openapi-schemas.ts";
import { API_ROUTES } from "#contracts/api/routes.ts";
import { DASHBOARD_SCRIPT_PATH, DASHBOARD_STYLE_PATH } from "#contracts/worker/dashboard-assets.ts";
import { renderWorkerAssets } from "#infra/worker-assets.ts";

const stack = inject("stack");

/** The deployed code's version, and the request id the Worker answered with. */
async function healthz() {
  const res = await fetch(`${stack.workerUrl}/healthz`);
  const body = (await res.json()) as { data: { version: string } };
  return { version: body.data.version, requestId: res.headers.get(REQUEST_ID_HEADER) };
}

/**
 * The dashboard's script and stylesheet, and the OpenAPI document, are not in the Worker: the
 * program builds them with it and uploads them as its static assets. These tests follow them from
 * the sources to the browser.
 */
describe("the Worker's static assets", () => {
  it("are uploaded with the Worker, as the Workers API reports it to the official SDK", async () => {
    const sdk = new Cloudflare({
      apiToken: stack.adminToken,
      // Environment credentials must not leak into requests made to the emulator.
      apiKey: null,
      apiEmail: null,
      userServiceKey: null,
      baseURL: `${stack.emulatorUrl}/client/v4`,
      maxRetries: 0,
    });
    const scripts = [];
    for await (const script of sdk.workers.scripts.list({ account_id: stack.accountId }))
      scripts.push(script);
    expect(scripts.map((s) => s.has_assets)).toEqual([true]);
  });

  it("are what the sources build to, served from the Worker's origin with their types", async () => {
    const built = await renderWorkerAssets((await healthz()).version);
    expect([...built.keys()].sort()).toEqual(
      [DASHBOARD_SCRIPT_PATH, DASHBOARD_STYLE_PATH, API_ROUTES.openapi.path].sort(),
    );
    const types: Record<string, RegExp> = {
      js: /^text\/javascript/,
      css: /^text\/css/,
      json: /^application\/json/,
    };
    for (const [path, content] of built) {
      const res = await fetch(`${stack.workerUrl}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type"), path).toMatch(types[path.split(".").at(-1)!]!);
      expect(await res.text(), path).toBe(content);
    }
  });

  it("include the OpenAPI document of the deployed code, served without invoking the Worker", async () => {
    const { version, requestId } = await healthz();
    expect(requestId).toBeTruthy();
    const res = await fetch(`${stack.workerUrl}${API_ROUTES.openapi.path}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(buildOpenApiDocument({ version }));
    // Every answer of the Worker carries a request id; a file of the static assets does not.
    expect(res.headers.get(REQUEST_ID_HEADER)).toBeNull();
  });

  it("are the ones the page names, and the only scripts and styles its policy lets run", async () => {
    const res = await fetch(`${stack.workerUrl}/`);
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain(`<script type="module" src="${DASHBOARD_SCRIPT_PATH}"></script>`);
    expect(page).toContain(`<link rel="stylesheet" href="${DASHBOARD_STYLE_PATH}">`);
    expect(page).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toContain(`script-src ${stack.workerUrl}${DASHBOARD_SCRIPT_PATH};`);
    expect(csp).toContain(`style-src ${stack.workerUrl}${DASHBOARD_STYLE_PATH};`);
  });

  it("leave every other path to the Worker", async () => {
    const res = await fetch(`${stack.workerUrl}/dashboard/missing.js`);
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  });
});
