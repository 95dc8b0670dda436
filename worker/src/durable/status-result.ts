import type { IngestDetails } from "#contracts/api/stream.ts";
import { type Refusal, refusalError } from "../budgets.ts";
import { UpstreamError, type UpstreamErrorShape } from "../upstream/http.ts";
import type { LiveInputSnapshot } from "./status-snapshot.ts";

/** Why no fresh status could be had: Cloudflare failed, or the tenant's share was spent first. */
export type ReadFailure = { ok: false; error: UpstreamErrorShape } | { ok: false; refused: Refusal };

/** A status as a channel status object serves it: `stale` when it could not be refreshed and is served anyway. */
export type SnapshotResult = { ok: true; snapshot: LiveInputSnapshot; stale: boolean } | ReadFailure;

/**
 * What connect answers: the live input's ingest details as read (and when), whether this call
 * enabled it, and, when it did less than asked, why: `stale` when Cloudflare could not be read
 * and the held input answers instead, or a re-enabling that failed after a fresh read.
 */
export type ConnectResult =
  | {
      ok: true;
      reenabled: boolean;
      ingest: IngestDetails;
      /** When the ingest details were read from Cloudflare, in ms since the epoch. */
      ingestReadAt: number;
      snapshot: LiveInputSnapshot;
      degraded?: { stale: boolean; failure: ReadFailure };
    }
  | ReadFailure;

/** The error a route answers a failed read with. */
export const readFailureError = (failure: ReadFailure) =>
  "refused" in failure ? refusalError(failure.refused) : UpstreamError.fromJSON(failure.error);
