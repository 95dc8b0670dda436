import { createSocket } from "node:dgram";

/**
 * Free UDP ports, found ahead of time: a live input's SRT URL is part of its view, answered at once,
 * while finding a free port takes a bind. The pool is refilled in the background.
 */
export class UdpPortPool {
  private readonly free: number[] = [];
  private refilling: Promise<void> | undefined;

  constructor(
    private readonly host: string,
    private readonly size = 16,
  ) {}

  async fill(): Promise<void> {
    const wanted = this.size - this.free.length;
    if (wanted <= 0) return;
    const sockets = await Promise.all(
      Array.from({ length: wanted }, async () => {
        const socket = createSocket("udp4");
        await new Promise<void>((resolve, reject) => {
          socket.once("error", reject);
          socket.bind(0, this.host, () => resolve());
        });
        return socket;
      }),
    );
    // Held together while the ports are read, so that no two are the same.
    this.free.push(...sockets.map((s) => s.address().port));
    await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  /** A port that was free a moment ago; never one of `taken`. */
  take(taken: Set<number>): number {
    let port = this.free.shift();
    while (port !== undefined && taken.has(port)) port = this.free.shift();
    if (this.free.length < this.size / 2)
      this.refilling ??= this.fill().finally(() => (this.refilling = undefined));
    if (port !== undefined) return port;
    // The pool ran dry (a burst of new inputs): the next port above the highest taken one.
    return Math.max(40_000, ...taken) + 1;
  }
}
