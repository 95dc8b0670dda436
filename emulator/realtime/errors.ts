/** A Realtime API error: answered as `{ errorCode, errorDescription }` with this status. */
export class RealtimeHttpError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    description: string,
  ) {
    super(description);
  }
}
