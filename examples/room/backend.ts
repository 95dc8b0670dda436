import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { ApiError, createServerClient } from "realtime-stack/client/server";

export interface RoomExampleOptions {
  /** Where the Worker answers. */
  workerUrl: string;
  tenant: string;
  /** The tenant key: it stays here, on the backend. */
  key: string;
  /** The tenant's `allowedOrigins` must hold this page's origin (http://localhost:5173 in the dev stack). */
  port?: number;
}

/** Each body this backend reads is two short ids. */
const MAX_BODY_BYTES = 1024;
const ID = /^[A-Za-z0-9_-]{1,64}$/;

async function readBody(req: IncomingMessage): Promise<string> {
  let body = "";
  for await (const chunk of req) {
    body += chunk;
    if (body.length > MAX_BODY_BYTES) throw new Error("body too large");
  }
  return body;
}

/**
 * The app's backend for the room example: it serves the page, and mints a join grant for the user
 * the page names (`POST /grant`), with the tenant key the page never sees. A real app would check
 * who the user is first; the example trusts the page.
 */
export async function startRoomExample(
  options: RoomExampleOptions,
): Promise<{ url: string; server: Server }> {
  const worker = createServerClient({ baseUrl: options.workerUrl, tenant: options.tenant, key: options.key });
  const html = readFileSync(fileURLToPath(new URL("index.html", import.meta.url)));
  // The page bundled as an app would bundle it: the browser entry and nothing of the server's.
  const script = (
    await esbuild.build({
      entryPoints: [fileURLToPath(new URL("page.ts", import.meta.url))],
      bundle: true,
      write: false,
      format: "esm",
      platform: "browser",
      target: "es2022",
      minify: true,
      logLevel: "silent",
    })
  ).outputFiles[0]!.contents;

  const server = createServer(async (req, res) => {
    const send = (status: number, type: string, body: string | Uint8Array) => {
      res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
      res.end(body);
    };
    try {
      if (req.method === "GET" && (req.url === "/" || req.url?.startsWith("/?")))
        return send(200, "text/html", html);
      if (req.method === "GET" && req.url === "/page.js") return send(200, "text/javascript", script);
      if (req.method !== "POST" || req.url !== "/grant") return send(404, "text/plain", "not found");
      const { room, user } = JSON.parse(await readBody(req)) as { room?: unknown; user?: unknown };
      if (typeof room !== "string" || !ID.test(room) || typeof user !== "string" || !ID.test(user))
        return send(
          400,
          "application/json",
          JSON.stringify({ error: "room and user: 1-64 letters, digits, _ or -" }),
        );
      const grant = await worker.join({ room_id: room, user_id: user, user_name: user });
      send(200, "application/json", JSON.stringify({ grant }));
    } catch (error) {
      const status = error instanceof ApiError && error.status >= 400 ? error.status : 400;
      send(
        status,
        "application/json",
        JSON.stringify({ error: error instanceof Error ? error.message : String(error) }),
      );
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 5173, "127.0.0.1", resolve);
  });
  return { url: `http://localhost:${(server.address() as AddressInfo).port}`, server };
}
