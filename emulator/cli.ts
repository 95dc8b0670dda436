import { parseArgs } from "node:util";
import type { Plan } from "./core/config.ts";
import { startEmulator } from "./server.ts";

const USAGE = `Usage: npm run emulator -- [--port 8787] [--host 127.0.0.1] [--state-file path.json]
                            [--account-id <32 hex>] [--status-shape string|object]
                            [--plan paid|free]
                            [--media] [--ffmpeg /usr/bin/ffmpeg] [--openssl /usr/bin/openssl]

--plan applies Workers Free's limits instead of Paid's (environment variables per Worker, cron
triggers per account; docs/limits.md lists every limit).

--media runs the media plane: RTMP/RTMPS, SRT and WHIP ingest into the live inputs, HLS, DASH and
WHEP playback (SRT, HLS and DASH need --ffmpeg; RTMPS needs --openssl).

The admin token comes from EMULATOR_ADMIN_TOKEN (at least 20 URL-safe characters) or is generated
and printed. It holds every permission; use it to create narrower account tokens.`;

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8787" },
    host: { type: "string", default: "127.0.0.1" },
    "state-file": { type: "string" },
    "account-id": { type: "string" },
    "status-shape": { type: "string", default: "string" },
    plan: { type: "string", default: "paid" },
    media: { type: "boolean", default: false },
    ffmpeg: { type: "string", default: "/usr/bin/ffmpeg" },
    openssl: { type: "string", default: "/usr/bin/openssl" },
    help: { type: "boolean", default: false },
  },
});

if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const port = Number(values.port);
const shape = values["status-shape"];
const plan = values.plan;
const adminToken = process.env.EMULATOR_ADMIN_TOKEN;
const problems = [
  !Number.isInteger(port) || port < 0 || port > 65535 ? `--port must be 0..65535, got "${values.port}"` : "",
  shape !== "string" && shape !== "object"
    ? `--status-shape must be "string" or "object", got "${shape}"`
    : "",
  plan !== "paid" && plan !== "free" ? `--plan must be "paid" or "free", got "${plan}"` : "",
  values["account-id"] && !/^[0-9a-f]{32}$/.test(values["account-id"])
    ? "--account-id must be 32 hex characters"
    : "",
  adminToken !== undefined && !/^[A-Za-z0-9_-]{20,200}$/.test(adminToken)
    ? "EMULATOR_ADMIN_TOKEN must be 20 to 200 URL-safe characters"
    : "",
].filter(Boolean);
if (problems.length > 0) {
  console.error(`${problems.join("\n")}\n\n${USAGE}`);
  process.exit(2);
}

const emulator = await startEmulator({
  port,
  host: values.host,
  ...(values["state-file"] ? { stateFile: values["state-file"] } : {}),
  ...(values["account-id"] ? { accountId: values["account-id"] } : {}),
  ...(adminToken ? { adminToken } : {}),
  config: { statusShape: shape as "string" | "object", plan: plan as Plan },
  ...(values.media ? { media: { ffmpeg: values.ffmpeg, openssl: values.openssl } } : {}),
});
const rtmp = emulator.media?.rtmpServers();

console.log(`Cloudflare emulator listening on ${emulator.url}
  REST API     ${emulator.apiBase}
  Realtime API ${emulator.realtimeBase}
  Admin        ${emulator.url}/__emulator/
  Account id   ${emulator.accountId}
  Plan         Workers ${plan === "free" ? "Free" : "Paid"} limits
  Admin token  ${adminToken ? "(from EMULATOR_ADMIN_TOKEN)" : emulator.adminToken}${
    rtmp ? `\n  RTMP         ${rtmp.rtmp}${rtmp.rtmps ? `\n  RTMPS        ${rtmp.rtmps}` : ""}` : ""
  }`);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    await emulator.close();
    console.log("Cloudflare emulator stopped");
    process.exit(0);
  });
}
