import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import * as z from "zod";
import { rotationSchema } from "#infra/config.ts";
import type { StackDriver } from "#infra/stack-driver.ts";

/**
 * A small HTTP endpoint through which another process (smoke, rotate, deploy with `--local`) drives
 * the stack `npm start` runs: the same applies, previews and rotation config, one at a time, from
 * the process that owns the emulator and the Worker. Loopback only, and guarded by the emulator's
 * admin token, since an apply can change every credential of the stack.
 */

const HOST = "127.0.0.1";

/** Where a running local stack says how to reach its control endpoint. */
export const controlFile = (stateDir: string, stack: string) => join(stateDir, `${stack}.control.json`);

const controlInfo = z.object({ port: z.int().min(1).max(65_535), pid: z.int().positive() });
export type ControlInfo = z.infer<typeof controlInfo>;

/** `GET /info`: what a remote driver needs besides outputs. */
export const stackInfo = z.object({
  stack: z.string(),
  description: z.string(),
  stateDir: z.string(),
  accountId: z.string(),
  apiBase: z.url(),
});
export type StackInfo = z.infer<typeof stackInfo>;

export interface ControlServer {
  url: string;
  close(): Promise<void>;
}

export interface ControlOptions {
  driver: StackDriver;
  info: StackInfo;
  adminToken: string;
  /** 0 (default) picks a free port. */
  port?: number;
}

const secretBody = z.strictObject({
  key: z.string().regex(/^[a-z][a-z0-9-]*:[A-Za-z][A-Za-z0-9]*$/),
  value: z.string().regex(/^\S{16,4096}$/),
});

function controlApp(options: ControlOptions): Hono {
  const { driver, info, adminToken } = options;
  const app = new Hono();
  app.use("*", async (c, next) => {
    if (c.req.header("authorization") !== `Bearer ${adminToken}`) {
      return c.json({ error: "send the emulator admin token as Authorization: Bearer <token>" }, 401);
    }
    await next();
  });
  app.onError((e, c) => c.json({ error: e.message }, 500));
  app.get("/info", (c) => c.json(info));
  app.get("/outputs", async (c) => c.json(await driver.outputs()));
  app.post("/preview", async (c) => c.json({ changes: await driver.preview() }));
  app.post("/apply", async (c) => c.json(await driver.up()));
  app.get("/rotation", async (c) => c.json(await driver.rotation()));
  app.put("/rotation", async (c) => {
    const parsed = rotationSchema.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success)
      return c.json({ error: `invalid rotation config: ${z.prettifyError(parsed.error)}` }, 400);
    await driver.setRotation(parsed.data);
    return c.json(parsed.data);
  });
  // Answers the key only: a secret never travels back.
  app.put("/secrets", async (c) => {
    const parsed = secretBody.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return c.json({ error: `invalid secret: ${z.prettifyError(parsed.error)}` }, 400);
    await driver.setSecret(parsed.data.key, parsed.data.value);
    return c.json({ key: parsed.data.key });
  });
  return app;
}

/** Serves the control endpoint on 127.0.0.1 and records its port in the state folder. */
export async function serveControl(options: ControlOptions): Promise<ControlServer> {
  const app = controlApp(options);
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: options.port ?? 0, hostname: HOST }, () => resolve(s));
    s.once("error", reject);
  });
  const { port } = server.address() as AddressInfo;
  const file = controlFile(options.info.stateDir, options.info.stack);
  writeFileSync(file, JSON.stringify({ port, pid: process.pid } satisfies ControlInfo), { mode: 0o600 });
  return {
    url: `http://${HOST}:${port}`,
    close: async () => {
      if (readControl(file)?.port === port) rmSync(file, { force: true });
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ("closeAllConnections" in server) server.closeAllConnections();
      });
    },
  };
}

/** The recorded endpoint, if its process is still alive; a stale file from a crash reads as none. */
export function readControl(file: string): ControlInfo | undefined {
  if (!existsSync(file)) return undefined;
  const parsed = controlInfo.safeParse(JSON.parse(readFileSync(file, "utf8")));
  if (!parsed.success) return undefined;
  try {
    process.kill(parsed.data.pid, 0);
  } catch {
    return undefined;
  }
  return parsed.data;
}

/** A typed client of the control endpoint; errors carry the serving process's message. */
export class ControlClient {
  constructor(
    readonly url: string,
    private readonly adminToken: string,
  ) {}

  async call<T extends z.ZodType>(
    method: string,
    path: string,
    schema: T,
    body?: unknown,
  ): Promise<z.infer<T>> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.adminToken}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json: unknown = await res.json().catch(() => undefined);
    if (!res.ok) {
      const error = z.object({ error: z.string() }).safeParse(json);
      throw new Error(
        `local stack ${method} ${path}: ${error.success ? error.data.error : `HTTP ${res.status}`}`,
      );
    }
    return schema.parse(json);
  }
}
