import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { LocalStack } from "#local-engine/local-stack.ts";
import type { E2eStack } from "./context.ts";

export type WorkerAction = "stop" | "start";

export interface WorkerControl {
  url: string;
  close(): Promise<void>;
}

/**
 * Stops and starts the e2e stack's Worker runner for a test file: the stack lives in the global
 * setup's process and the files run in others, so they ask over HTTP. Loopback only, and guarded
 * by the emulator's admin token, as the local stack's own control endpoint is.
 */
export async function serveWorkerControl(stack: LocalStack): Promise<WorkerControl> {
  const actions: Record<string, () => Promise<void>> = {
    "/worker/stop": () => stack.stopWorker(),
    "/worker/start": () => stack.startWorker(),
  };
  const server = createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${stack.emulator.adminToken}`) {
      res.writeHead(401, { "content-type": "text/plain" }).end("send the emulator admin token");
      return;
    }
    const action = req.method === "POST" ? actions[req.url ?? ""] : undefined;
    if (!action) {
      res.writeHead(404, { "content-type": "text/plain" }).end("POST /worker/stop or /worker/start");
      return;
    }
    action().then(
      () => res.writeHead(204).end(),
      (error: Error) => res.writeHead(500, { "content-type": "text/plain" }).end(error.message),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** From a test file: stops or starts the shared stack's Worker runner, and waits until it has. */
export async function controlWorker(stack: E2eStack, action: WorkerAction): Promise<void> {
  const res = await fetch(`${stack.workerControlUrl}/worker/${action}`, {
    method: "POST",
    headers: { authorization: `Bearer ${stack.adminToken}` },
  });
  if (res.status !== 204)
    throw new Error(`the Worker's ${action} failed: HTTP ${res.status} ${await res.text()}`);
}
