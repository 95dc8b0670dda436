import { type Refusal, refusalError } from "../budgets.ts";
import { UpstreamError, type UpstreamErrorShape } from "../upstream/http.ts";
import type { LiveInputSnapshot } from "./status-snapshot.ts";

/** Why no fresh status could be had: Cloudflare failed, or the tenant's share was spent first. */
export type ReadFailure = { ok: false; error: UpstreamErrorShape } | { ok: false; refused: Refusal };

/** A status as the holder serves it: `stale` when it could not be refreshed and is served anyway. */
export type SnapshotResult = { ok: true; snapshot: LiveInputSnapshot; stale: boolean } | ReadFailure;

/** The error a route answers a failed read with. */
export const readFailureError = (failure: ReadFailure) =>
  "refused" in failure ? refusalError(failure.refused) : UpstreamError.fromJSON(failure.error);
