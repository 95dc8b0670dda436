/**
 * How the status event stream behaves on the wire: shared by the Worker and the dashboard's
 * browser code, which is why this module holds plain values only (no schema library).
 */

/** The SSE event name of a status; its `data` is the channel's status as `/api/stream/status` answers it. */
export const STATUS_EVENT = "status";

/** A comment line at least this often keeps proxies from closing an idle stream; clients may time out after 3. */
export const HEARTBEAT_INTERVAL_MS = 15_000;

/** What the stream asks a client to wait before reconnecting (SSE `retry:`). */
export const RECONNECT_DELAY_MS = 1_000;
