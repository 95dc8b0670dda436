import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import { healthzData } from "#contracts/api/healthz.ts";
import { ROUTE_TABLE } from "#contracts/api/route-table.ts";
import { SWEEP_INTERVAL_MS } from "#contracts/worker/status-sweep.ts";
import { embedTenantMap, TENANT_MAP_PLACEHOLDER } from "#contracts/worker/tenant-map.ts";
import { isRefusal, staticRouting } from "#emulator/services/workers/static-routing.ts";
import { buildWorkerBundle } from "#infra/worker-bundle.ts";
import {
  COMPATIBILITY_DATE,
  COMPATIBILITY_FLAGS,
  DURABLE_OBJECT_MIGRATIONS,
  DURABLE_OBJECTS,
  STATUS_REFRESH_CRON,
  WORKER_FIRST_PATHS,
} from "#infra/worker-settings.ts";
import { unwrapSecrets } from "#local-engine/secret-wire.ts";
import { evaluateProgram } from "./evaluate.ts";
import { asPulumiConfig, devStackValues } from "./stack-config.ts";

const scratch = mkdtempSync(join(tmpdir(), "infra-worker-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("the Worker bundle", () => {
  it("is the same bytes on every build, its version carrying the content hash", async () => {
    const [first, second] = [await buildWorkerBundle(), await buildWorkerBundle()];
    expect(second.sha256).toBe(first.sha256);
    expect(first.version).toMatch(new RegExp(`^\\d+\\.\\d+\\.\\d+\\+${first.sha256.slice(0, 12)}$`));
    expect(first.mainModule).toBe("index.js");
  });

  it("holds the tenant map's placeholder once; left in place, the Worker says its tenant map is missing", async () => {
    const bundle = await buildWorkerBundle();
    expect(bundle.content.split(TENANT_MAP_PLACEHOLDER)).toHaveLength(2);
    const map = { playbackBase: "https://customer-x.example", cloudflareApiPer5Minutes: 1_140, tenants: {} };
    expect(embedTenantMap(bundle.content, map)).not.toContain(TENANT_MAP_PLACEHOLDER);
    const mf = new Miniflare({
      modules: [{ type: "ESModule", path: bundle.mainModule, contents: bundle.content }],
      compatibilityDate: COMPATIBILITY_DATE,
      compatibilityFlags: COMPATIBILITY_FLAGS,
      durableObjects: Object.fromEntries(DURABLE_OBJECTS.map((d) => [d.binding, d.className])),
    });
    try {
      const res = await mf.dispatchFetch("http://localhost/healthz");
      const health = healthzData.parse(((await res.json()) as { data: unknown }).data);
      expect(health).toMatchObject({ ok: false, refresh: null, checks: { TENANTS: "missing" } });
    } finally {
      await mf.dispose();
    }
  });

  it("is refused when the entry does not export a bound Durable Object class", async () => {
    const entry = join(scratch, "no-durable-objects.ts");
    writeFileSync(entry, "export default { fetch: () => new Response('ok') };\n");
    await expect(buildWorkerBundle(entry)).rejects.toThrow(
      `does not export its Durable Object classes: ${DURABLE_OBJECTS.map((d) => d.className).join(", ")}`,
    );
  });
});

type DeclaredBinding = { type: string; name: string; text?: string; className?: string };

describe("the Worker as the program declares it", () => {
  it("starts in workerd with exactly the computed bindings and reports every binding usable", async () => {
    const run = await evaluateProgram(asPulumiConfig(devStackValues()));
    const script = unwrapSecrets(run.fake.named("realtime-worker").inputs) as {
      mainModule: string;
      content: string;
      compatibilityDate: string;
      compatibilityFlags: string[];
      bindings: DeclaredBinding[];
    };
    const texts = script.bindings.filter((b) => b.text !== undefined);
    const objects = script.bindings.filter((b) => b.type === "durable_object_namespace");
    const mf = new Miniflare({
      modules: [{ type: "ESModule", path: script.mainModule, contents: script.content }],
      compatibilityDate: script.compatibilityDate,
      compatibilityFlags: script.compatibilityFlags,
      bindings: Object.fromEntries(texts.map((b) => [b.name, b.text!])),
      durableObjects: Object.fromEntries(objects.map((b) => [b.name, b.className!])),
    });
    try {
      const res = await mf.dispatchFetch("http://localhost/healthz");
      const body = (await res.json()) as { data: unknown };
      const health = healthzData.parse(body.data);
      // Before the first rotation of the signing and webhook secrets, their previous slots are empty.
      expect(Object.entries(health.checks).filter(([, check]) => check !== "ok")).toEqual([
        ["SIGNING_SECRET_FALLBACK", "default"],
        ["WEBHOOK_SECRET_FALLBACK", "default"],
      ]);
      expect(health).toMatchObject({ ok: true, stack: "dev" });
      // Three channels and the probe input, read by the status sweep within its share.
      expect(health.refresh).toMatchObject({ plan: "paid", live_inputs: 4, liveness_max_age_seconds: 10 });
      expect(res.status).toBe(200);
    } finally {
      await mf.dispose();
    }
  });
});

describe("the paths the Worker gets before the static assets", () => {
  it("cover every route but the dashboard's page, whose path an asset could share, and the routes that are assets", () => {
    // Split as Cloudflare splits the list: a trailing `*` matches any rest of the path, and a
    // negative (`!/`) rule keeps a path on the assets that a positive one sends to the Worker
    // (developers.cloudflare.com/changelog/2025-06-17-advanced-routing/).
    const routing = staticRouting(WORKER_FIRST_PATHS);
    if (isRefusal(routing)) throw new Error(routing.message);
    const matches = (rules: string[], path: string) =>
      rules.some((rule) => (rule.endsWith("*") ? path.startsWith(rule.slice(0, -1)) : path === rule));
    const workerFirst = (path: string) =>
      matches(routing.user_worker, path) && !matches(routing.asset_worker, path);
    const paths = Object.values(ROUTE_TABLE).flatMap((route): string[] => [
      route.path,
      ...("aliases" in route ? route.aliases : []),
    ]);
    expect(paths.filter((path) => !workerFirst(path))).toEqual([
      ROUTE_TABLE.openapi.path,
      ROUTE_TABLE.dashboard.path,
    ]);
  });
});

describe("the status sweep's cron trigger", () => {
  it("fires once a minute, the interval the sweep plans its runs by", () => {
    expect(STATUS_REFRESH_CRON).toBe("* * * * *");
    expect(SWEEP_INTERVAL_MS).toBe(60_000);
  });
});

describe("worker/wrangler.jsonc (local runs and the Worker's own tests)", () => {
  it("agrees with what the program deploys: compatibility, Durable Objects and their migration", () => {
    const path = new URL("../../worker/wrangler.jsonc", import.meta.url);
    const { config, error } = ts.parseConfigFileTextToJson(path.pathname, readFileSync(path, "utf8"));
    expect(error).toBeUndefined();
    const wrangler = config as {
      compatibility_date: string;
      compatibility_flags: string[];
      durable_objects: { bindings: { name: string; class_name: string }[] };
      migrations: unknown[];
    };
    expect(wrangler.compatibility_date).toBe(COMPATIBILITY_DATE);
    expect(wrangler.compatibility_flags).toEqual(COMPATIBILITY_FLAGS);
    expect(wrangler.durable_objects.bindings).toEqual(
      DURABLE_OBJECTS.map((d) => ({ name: d.binding, class_name: d.className })),
    );
    expect(wrangler.migrations).toEqual(
      DURABLE_OBJECT_MIGRATIONS.map((m) => ({
        tag: m.tag,
        ...(m.newSqliteClasses ? { new_sqlite_classes: m.newSqliteClasses } : {}),
        ...(m.renamedClasses ? { renamed_classes: m.renamedClasses } : {}),
      })),
    );
  });
});
