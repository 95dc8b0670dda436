import * as z from "zod";
import { PROBE_TIMEOUT_MS, type ProbeSelection } from "./plan.ts";

/** The probe flags smoke and deploy share, as `parseCli` takes them. */
export const PROBE_FLAGS = {
  "probe-ingest": { type: "boolean", default: false },
  "probe-media": { type: "boolean", default: false },
  "probe-turn": { type: "boolean", default: false },
  "probe-timeout": { type: "string" },
} as const;

export const PROBE_FLAGS_USAGE = `  --probe-ingest       ffmpeg broadcasts a test pattern to the probe input over RTMPS (and SRT when
                       ffmpeg has libsrt): the Worker reports it connected, its HLS plays, and it
                       disconnects when ffmpeg stops; the probe's recordings are deleted
  --probe-media        two WebRTC peers through the Worker's SFU proxy: RTP and a DataChannel message
                       from one to the other
  --probe-turn         the same call with both peers on a TURN relay only (/api/realtime/turn)
  --probe-timeout <s>  each probe's bound (default ${PROBE_TIMEOUT_MS / 1000})`;

/** The validation of the flags' values, to spread into a script's options schema. */
export const probeOptions = {
  "probe-timeout": z.coerce
    .number()
    .positive()
    .max(600)
    .default(PROBE_TIMEOUT_MS / 1000),
};

interface ProbeArgs {
  "probe-ingest": boolean;
  "probe-media": boolean;
  "probe-turn": boolean;
}

export const probeSelection = (args: ProbeArgs): ProbeSelection => ({
  ingest: args["probe-ingest"],
  media: args["probe-media"],
  turn: args["probe-turn"],
});
