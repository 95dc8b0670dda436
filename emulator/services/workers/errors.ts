import { CfHttpError } from "../../core/errors.ts";
import type { Refusal } from "./limits.ts";

const fail = (code: number, message: string) => new CfHttpError(400, [{ code, message }]);

/** The Workers API's own error codes (docs/reference/cloudflare-api.md §6.2) and the messages Cloudflare sends with them. */
export const workersErrors = {
  badContentType: () =>
    fail(10001, "Content-Type must be one of: application/javascript, text/javascript, multipart/form-data"),
  /** The multipart body itself cannot be read. */
  unparseableBody: () => fail(10006, "Unparseable script body: the multipart/form-data body is malformed"),
  /** Content that parses but fails Cloudflare's checks; also how it reports a module's syntax error. */
  invalid: (message: string) => fail(10021, message),
  bindingNameInUse: (name: string) =>
    fail(10053, `Binding name '${name}' already in use. Please use a different name and try again.`),
  durableObjectClassNotConfigured: (className: string) =>
    fail(
      10061,
      `Cannot create binding for class '${className}' because it is not currently configured to implement ` +
        "Durable Objects. Did you forget to apply a new_classes or new_sqlite_classes migration to it?",
    ),
  /** A change over one of Cloudflare's limits (limits.ts), with the code and message Cloudflare sends. */
  refused: (refusal: Refusal) => fail(refusal.code, refusal.message),
  /** As Cloudflare words it in 2026 (ascorbic/cirrus#248); cloudflare/workers-sdk#4943 shows the same error. */
  classNotExported: (className: string) =>
    fail(10070, `Cannot apply new-class migration to class '${className}' that is not exported by script`),
  durableObjectClassExists: (className: string) =>
    fail(10074, `Cannot apply a new-class migration to class '${className}': it already exists`),
  migrationTagMismatch: (current: string | undefined) =>
    fail(
      10079,
      current === undefined
        ? "Migration tag precondition failed; the script has no migration tag, so old_tag must be omitted"
        : `Migration tag precondition failed; current tag is '${current}'`,
    ),
};
