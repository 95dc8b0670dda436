/** The live-input `status` shape the emulator answers with (docs/reference/cloudflare-api.md §1.4): both exist in the wild. */
export type StatusShape = "string" | "object";

/** Settings that tests and the local engine change at run time (`PATCH /__emulator/config`). */
export interface EmulatorConfig {
  statusShape: StatusShape;
  /** Largest request body accepted, in bytes. */
  bodyLimit: number;
  rateLimit: { requests: number; windowSeconds: number };
  /** Where TURN credentials point, e.g. a local coturn. */
  turnServer: { host: string; port: number };
}

export const DEFAULT_CONFIG: EmulatorConfig = {
  statusShape: "string",
  bodyLimit: 1024 * 1024,
  rateLimit: { requests: 1200, windowSeconds: 300 },
  turnServer: { host: "127.0.0.1", port: 3478 },
};
