import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { createServer, type Server as TcpServer } from "node:net";

/**
 * Binds a UDP socket and a TCP server to one port, as TURN and STUN URLs name one port for both.
 * With port 0, retries until a port is free for both.
 */
export async function listenOnUdpAndTcp(
  host: string,
  port: number,
): Promise<{ udp: UdpSocket; tcp: TcpServer; port: number }> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const udp = createSocket(host.includes(":") ? "udp6" : "udp4");
    const udpPort = await new Promise<number>((resolve, reject) => {
      udp.once("error", reject);
      udp.bind(port, host, () => resolve(udp.address().port));
    });
    const tcp = createServer();
    const listening = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      tcp.once("error", resolve);
      tcp.listen(udpPort, host, () => resolve(undefined));
    });
    if (!listening) return { udp, tcp, port: udpPort };
    await new Promise<void>((resolve) => udp.close(() => resolve()));
    if (port !== 0 || listening.code !== "EADDRINUSE") throw listening;
  }
  throw new Error(`found no port free for both UDP and TCP on ${host}`);
}

/** A port that is free for both UDP and TCP right now, for a server that binds it itself. */
export async function freeUdpAndTcpPort(host: string): Promise<number> {
  const { udp, tcp, port } = await listenOnUdpAndTcp(host, 0);
  await Promise.all([
    new Promise<void>((resolve) => udp.close(() => resolve())),
    new Promise<void>((resolve) => tcp.close(() => resolve())),
  ]);
  return port;
}
