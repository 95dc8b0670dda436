import type { AddressInfo } from "node:net";
import { connect, createServer, type Server, type Socket } from "node:net";

/**
 * A TCP proxy in front of the Worker that can drop the network: `cut()` closes every open
 * connection and refuses new ones until `restore()`. What a browser sees when Wi-Fi goes away.
 * `stall()` instead stops the open connections silently, as a NAT that forgets them does.
 */
export class CuttingProxy {
  private readonly sockets = new Set<Socket>();
  /** Each open connection's two ends, browser side first. */
  private readonly pairs = new Set<[Socket, Socket]>();
  private cutOff = false;
  private server?: Server;
  url = "";

  constructor(private readonly target: URL) {}

  async listen(): Promise<string> {
    const server = createServer((client) => {
      if (this.cutOff) {
        client.destroy();
        return;
      }
      const upstream = connect(Number(this.target.port), this.target.hostname);
      const pair: [Socket, Socket] = [client, upstream];
      this.pairs.add(pair);
      client.on("close", () => this.pairs.delete(pair));
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on("close", () => this.sockets.delete(socket));
        socket.on("error", () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.url;
  }

  cut(): void {
    this.cutOff = true;
    for (const socket of this.sockets) socket.destroy();
  }

  /**
   * Stops forwarding on every open connection without closing it, while new connections go
   * through: neither end is told, and what they send waits in the proxy. Closed by `close()`.
   */
  stall(): void {
    for (const [client, upstream] of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
    this.pairs.clear();
  }

  restore(): void {
    this.cutOff = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
