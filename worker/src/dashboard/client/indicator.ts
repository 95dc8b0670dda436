import type { ChannelStatusView } from "#contracts/api/stream.ts";

export type IndicatorState = "ready" | "live" | "disconnected" | "error";

export interface Indicator {
  state: IndicatorState;
  label: string;
  /** One sentence for the operator: what the state means for going live. */
  detail: string;
}

const LABELS: Record<IndicatorState, string> = {
  ready: "Ready",
  live: "Live",
  disconnected: "Disconnected",
  error: "Error",
};

/** Cloudflare states after which a broadcaster has gone (docs/spec.md §5; docs/reference/cloudflare-api.md §1.4). */
const DISCONNECTED_STATES = new Set(["disconnected", "client_disconnect", "ttl_exceeded", "reconnecting"]);
const FAILED_STATES = new Set(["errored", "failed_to_connect", "failed_to_reconnect"]);

const indicator = (state: IndicatorState, detail: string): Indicator => ({
  state,
  label: LABELS[state],
  detail,
});

/** What a channel's indicator shows for its status, or for the error that kept the status away. */
export function indicatorOf(status: ChannelStatusView | undefined, unavailable?: string): Indicator {
  if (!status) return indicator("error", `Status unavailable: ${unavailable ?? "no answer yet"}`);
  if (status.error) return indicator("error", `${status.error.message} (${status.error.code})`);
  if (status.state !== null && FAILED_STATES.has(status.state)) {
    return indicator("error", `The broadcaster could not connect (${status.state})`);
  }
  if (status.connected) return indicator("live", "A broadcaster is sending");
  if (!status.enabled)
    return indicator("disconnected", "The live input is disabled: broadcasters are refused");
  if (status.state !== null && DISCONNECTED_STATES.has(status.state)) {
    return indicator("disconnected", `The broadcaster went away (${status.state})`);
  }
  return indicator("ready", "Waiting for a broadcaster");
}
