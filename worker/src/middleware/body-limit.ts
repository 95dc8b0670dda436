import { bodyLimit } from "hono/body-limit";
import { ApiError } from "../api-error.ts";

export const BODY_LIMIT_BYTES = 16 * 1024;

/** Bodies over 16 KiB are refused before anything reads them, whatever the route. */
export const limitBody = bodyLimit({
  maxSize: BODY_LIMIT_BYTES,
  onError: () => {
    throw new ApiError("payload_too_large", `Request body exceeds ${BODY_LIMIT_BYTES} bytes`);
  },
});
