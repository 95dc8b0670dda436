import { Hono } from "hono";
import * as z from "zod";
import { liveInputWrite } from "../../contracts/cloudflare/stream.ts";
import { requirePermission } from "../auth.ts";
import type { Env } from "../context.ts";
import { cfErrors } from "../errors.ts";
import { newTag, now } from "../ids.ts";
import { newCredentials, setConnectionState, toLiveInput } from "../live-inputs.ts";
import { cfOk } from "../respond.ts";
import type { StoredLiveInput } from "../state.ts";
import { jsonBody } from "../validate.ts";
import { findOr404 } from "./lookup.ts";

const DEFAULT_RECORDING = {
  mode: "off",
  requireSignedURLs: false,
  allowedOrigins: null,
  timeoutSeconds: 0,
  hideLiveViewerCount: false,
} as const;

const liveInputId = z.string().max(32);

/** Stream live inputs: `/accounts/:account_id/stream/live_inputs` (docs/reference/cloudflare-api.md §1). */
export const streamRoutes = new Hono<Env>();

function find(c: { get: (k: "services") => Env["Variables"]["services"] }, id: string): StoredLiveInput {
  if (!liveInputId.safeParse(id).success) throw cfErrors.notFound("Live input");
  return findOr404(c.get("services").state.data.liveInputs, id, "Live input");
}

streamRoutes.post("/", requirePermission("Stream Write"), async (c) => {
  const body = await jsonBody(c, liveInputWrite);
  const services = c.get("services");
  const at = now();
  const input: StoredLiveInput = {
    uid: newTag(),
    created: at,
    modified: at,
    meta: body.meta ?? {},
    enabled: body.enabled ?? true,
    deleteRecordingAfterDays: body.deleteRecordingAfterDays ?? null,
    preferLowLatency: body.preferLowLatency ?? false,
    ...(body.defaultCreator ? { defaultCreator: body.defaultCreator } : {}),
    recording: { ...DEFAULT_RECORDING, ...body.recording },
    ...newCredentials(),
    state: null,
    stateEnteredAt: null,
    history: [],
    currentVideoUid: null,
  };
  services.state.data.liveInputs[input.uid] = input;
  services.state.persist();
  return cfOk(c, toLiveInput(input, services));
});

streamRoutes.get("/", requirePermission("Stream Read"), (c) => {
  const inputs = Object.values(c.get("services").state.data.liveInputs);
  const liveInputs = inputs.map(({ uid, created, modified, meta, deleteRecordingAfterDays, enabled }) => ({
    uid,
    created,
    modified,
    meta,
    deleteRecordingAfterDays,
    enabled,
  }));
  return cfOk(c, { liveInputs, range: liveInputs.length, total: liveInputs.length });
});

streamRoutes.get("/:live_input_identifier", requirePermission("Stream Read"), (c) => {
  const input = find(c, c.req.param("live_input_identifier"));
  return cfOk(c, toLiveInput(input, c.get("services")));
});

streamRoutes.put("/:live_input_identifier", requirePermission("Stream Write"), async (c) => {
  const input = find(c, c.req.param("live_input_identifier"));
  const body = await jsonBody(c, liveInputWrite);
  const services = c.get("services");
  if (body.meta !== undefined) input.meta = body.meta;
  if (body.enabled !== undefined) input.enabled = body.enabled;
  if (body.deleteRecordingAfterDays !== undefined)
    input.deleteRecordingAfterDays = body.deleteRecordingAfterDays;
  if (body.preferLowLatency !== undefined) input.preferLowLatency = body.preferLowLatency;
  if (body.defaultCreator !== undefined) input.defaultCreator = body.defaultCreator;
  if (body.recording !== undefined) input.recording = { ...input.recording, ...body.recording };
  input.modified = now();
  // Disabling an input ends the broadcast in progress (docs/reference/cloudflare-api.md §1.2).
  if (!input.enabled && (input.state === "connected" || input.state === "reconnected")) {
    setConnectionState(services, input, "client_disconnect");
  }
  services.state.persist();
  return cfOk(c, toLiveInput(input, services));
});

streamRoutes.delete("/:live_input_identifier", requirePermission("Stream Write"), (c) => {
  const input = find(c, c.req.param("live_input_identifier"));
  const services = c.get("services");
  delete services.state.data.liveInputs[input.uid];
  services.state.persist();
  return cfOk(c, null);
});

/** New ingest credentials; the old ones stop working and a connected broadcaster is dropped. */
streamRoutes.post("/:live_input_identifier/rotate_keys", requirePermission("Stream Write"), (c) => {
  const input = find(c, c.req.param("live_input_identifier"));
  const services = c.get("services");
  Object.assign(input, newCredentials());
  input.keysRotatedAt = now();
  input.modified = input.keysRotatedAt;
  if (input.state === "connected" || input.state === "reconnected") {
    setConnectionState(services, input, "client_disconnect");
  }
  services.state.persist();
  return cfOk(c, toLiveInput(input, services));
});
