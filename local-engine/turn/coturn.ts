import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { toolPath } from "../system-tools.ts";
import { freeUdpAndTcpPort } from "./dual-port.ts";
import { stunBinding } from "./turn-client.ts";
import { type RunningTurnGate, startTurnGate, type TurnGateOptions } from "./turn-gate.ts";

/** coturn's server, from PATH; a name that does not exist when coturn is not installed. */
export const TURNSERVER_BINARY = toolPath("coturn") ?? "/usr/bin/turnserver";
const HOST = "127.0.0.1";
const LOG_TAIL_BYTES = 16_384;

export interface CoturnOptions {
  /** coturn's `static-auth-secret`: the emulator's `turnSharedSecret`. */
  sharedSecret: string;
  realm?: string;
  /** How long to wait for the server to answer STUN. Default 10 s. */
  startTimeoutMs?: number;
}

export interface RunningCoturn {
  host: string;
  /** UDP and TCP listening port. */
  port: number;
  realm: string;
  pid: number;
  /** The tail of what coturn printed, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

/**
 * Starts Debian's coturn on 127.0.0.1 in TURN REST mode (`--use-auth-secret`), loopback only, and
 * resolves once it answers a STUN Binding. Fails loudly when coturn is not installed.
 */
async function startCoturn(options: CoturnOptions): Promise<RunningCoturn> {
  const realm = options.realm ?? "emulator.local";
  const port = await freeUdpAndTcpPort(HOST);
  const dir = mkdtempSync(join(tmpdir(), "coturn-"));
  const args = [
    "-n",
    `--listening-ip=${HOST}`,
    `--relay-ip=${HOST}`,
    `--listening-port=${port}`,
    "--use-auth-secret",
    `--static-auth-secret=${options.sharedSecret}`,
    `--realm=${realm}`,
    "--no-tls",
    "--no-dtls",
    "--no-cli",
    "--allow-loopback-peers",
    "--log-file=stdout",
    "--simple-log",
    `--pidfile=${join(dir, "turnserver.pid")}`,
    `--userdb=${join(dir, "turndb")}`,
  ];
  const child = spawn(TURNSERVER_BINARY, args, { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  const append = (chunk: Buffer) => {
    log = (log + chunk.toString("utf8")).slice(-LOG_TAIL_BYTES);
  };
  child.stdout.on("data", append);
  child.stderr.on("data", append);
  const exited = new Promise<string>((resolve) => {
    child.once("exit", (code, signal) => resolve(`exited with ${signal ?? `code ${code}`}`));
    child.once("error", (err) => resolve(err.message));
  });

  // A process.exit elsewhere (Miniflare exits on SIGINT) must not leave coturn running.
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", killOnExit);
  const stop = async () => {
    process.off("exit", killOnExit);
    await stopProcess(child, exited);
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
  let ready = false;
  let lastFailure = "";
  while (!ready && Date.now() < deadline) {
    const outcome = await Promise.race([
      stunBinding({ host: HOST, port, timeoutMs: 500 }),
      exited.then((why) => ({ exited: why })),
    ]);
    if ("exited" in outcome) {
      await stop();
      throw new Error(
        `coturn (${TURNSERVER_BINARY}) ${outcome.exited}; install it with \`apt-get install coturn\` (npm test and npm start do it on Debian)\n${log}`,
      );
    }
    ready = outcome.ok;
    if (!outcome.ok) {
      lastFailure = outcome.message;
      await sleep(100);
    }
  }
  if (!ready) {
    await stop();
    throw new Error(`coturn did not answer STUN on ${HOST}:${port} (${lastFailure})\n${log}`);
  }
  return { host: HOST, port, realm, pid: child.pid!, log: () => log, stop };
}

/** SIGTERM by pid, SIGKILL if it lingers; resolves once the process is gone. */
async function stopProcess(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  const signal = (name: NodeJS.Signals) => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return false;
    process.kill(child.pid, name);
    return true;
  };
  if (!signal("SIGTERM")) return;
  const gone = await Promise.race([exited.then(() => true), sleep(3000).then(() => false)]);
  if (!gone && signal("SIGKILL")) await exited;
}

export interface LocalTurn {
  /** Where TURN URLs should point: the gate, which forwards to coturn. */
  host: string;
  port: number;
  coturn: RunningCoturn;
  gate: RunningTurnGate;
  stop(): Promise<void>;
}

/**
 * coturn plus the TURN gate in front of it: what the emulator's `turnServer` should name so that
 * its credentials work, and revoked ones fail, on a real TURN server.
 */
export async function startLocalTurn(
  options: CoturnOptions & { refusal: TurnGateOptions["refusal"] },
): Promise<LocalTurn> {
  const coturn = await startCoturn(options);
  const gate = await startTurnGate({ upstream: coturn, refusal: options.refusal }).catch(async (err) => {
    await coturn.stop();
    throw err;
  });
  return {
    host: gate.host,
    port: gate.port,
    coturn,
    gate,
    stop: async () => {
      await gate.close();
      await coturn.stop();
    },
  };
}
