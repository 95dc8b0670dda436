import { createSocket, type Socket } from "node:dgram";

/**
 * A UDP relay in front of a TURN server that can drop the network: while `cut()`, every datagram
 * either way is lost, as when Wi-Fi goes away; `restore()` lets them through again. Each client
 * address gets its own upstream socket, so the TURN server sees one 5-tuple per client as it would
 * through a NAT.
 */
export class CuttingUdpProxy {
  private readonly upstreams = new Map<string, Socket>();
  private readonly server = createSocket("udp4");
  private cutOff = false;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async listen(): Promise<number> {
    this.server.on("message", (data, client) => {
      if (this.cutOff) return;
      const key = `${client.address}:${client.port}`;
      let upstream = this.upstreams.get(key);
      if (!upstream) {
        const socket = createSocket("udp4");
        socket.on("message", (reply) => {
          if (!this.cutOff) this.server.send(reply, client.port, client.address);
        });
        socket.on("error", () => {});
        this.upstreams.set(key, socket);
        upstream = socket;
      }
      upstream.send(data, this.target.port, this.target.host);
    });
    await new Promise<void>((resolve) => this.server.bind(0, "127.0.0.1", resolve));
    this.port = this.server.address().port;
    return this.port;
  }

  cut(): void {
    this.cutOff = true;
  }

  restore(): void {
    this.cutOff = false;
  }

  close(): void {
    this.server.close();
    for (const socket of this.upstreams.values()) socket.close();
  }
}
