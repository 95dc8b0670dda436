import type { RouteName } from "#contracts/api/route-table.ts";

/** The Worker's own error answer (`{ success: false, error }`, contracts/api/envelope.ts). */
interface WorkerFailure {
  code: string;
  message: string;
  details?: unknown;
}

export type CheckedData = { ok: true; value: unknown } | { ok: false; issue?: string };

/**
 * How a client checks what the Worker answered. The server entry checks every answer against the
 * route's schema (./schema-answers.ts); the browser entry checks the envelope and the shape only
 * (./shape-answers.ts), so that a page does not ship a schema library for every route.
 */
export interface AnswerCheck {
  /** The Worker's error answer, when `json` is one. */
  failure(json: unknown): WorkerFailure | undefined;
  /** A success's `data` for route `name`: each event's for an event stream. */
  data(name: RouteName, data: unknown): CheckedData;
}
