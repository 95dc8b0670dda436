import type { Plan } from "../../core/config.ts";

/**
 * Cloudflare's Workers limits that an upload, a secret or a schedule change must fit
 * (developers.cloudflare.com/workers/platform/limits/, docs/limits.md). Each check answers with the
 * refusal Cloudflare would send, or undefined; the emulator's routes and the local Worker runner
 * both ask here, so that nothing runs locally that Cloudflare refuses.
 */

/** Cloudflare's code and message for a refused change. */
export interface Refusal {
  code: number;
  message: string;
}

/**
 * "Each environment variable has a size limitation of 5 KB" (the limits page), 5 KiB in the change
 * that raised it (cloudflare/workers-docs#956). The page does not say whether the name counts: the
 * name and the value are counted together here, the stricter reading, so that the local stack never
 * takes a variable Cloudflare might refuse.
 */
export const ENVIRONMENT_VARIABLE_BYTES = 5 * 1024;

/** "Environment variables: 64/Worker (Free), 128/Worker (Paid)", "secret and text combined" (the limits page). */
export const ENVIRONMENT_VARIABLES: Record<Plan, number> = { free: 64, paid: 128 };

/**
 * 64 MiB, uncompressed, on every plan: Cloudflare dropped the compressed limits (3 MB Free, 10 MB
 * Paid) on 2026-09-04 (developers.cloudflare.com/changelog/post/2026-09-04-increased-worker-size-limit/,
 * cloudflare/workers-sdk#14001, whose bundle reporter now compares the uncompressed size with 64 MiB).
 */
export const SCRIPT_BYTES = 64 * 1024 * 1024;

/** "Number of Cron Triggers per account: 5 (Free), 250 (Paid)" (the limits page). */
export const CRON_TRIGGERS: Record<Plan, number> = { free: 5, paid: 250 };

const PLAN_NAME: Record<Plan, string> = { free: "Workers Free", paid: "Workers Paid" };

/** A binding that is an environment variable: plain_text, json (its JSON text) or secret_text. */
export interface EnvironmentVariable {
  name: string;
  type: "plain_text" | "json" | "secret_text";
  value: string;
}

/**
 * Too large a variable, or too many of them. Cloudflare's code and message for these are not
 * documented: 10021 (validation failed, the Workers API's code for a refused upload) and the
 * wording are a guess.
 */
export function environmentVariableRefusal(vars: EnvironmentVariable[], plan: Plan): Refusal | undefined {
  for (const v of vars) {
    const bytes = Buffer.byteLength(v.name) + Buffer.byteLength(v.value);
    if (bytes > ENVIRONMENT_VARIABLE_BYTES) {
      return {
        code: 10021,
        message:
          `Binding '${v.name}' (${v.type}) is ${bytes} bytes, name and value together; an environment ` +
          `variable can be at most ${ENVIRONMENT_VARIABLE_BYTES} bytes (5 KB). Refer to ` +
          "https://developers.cloudflare.com/workers/platform/limits/#environment-variables",
      };
    }
  }
  const limit = ENVIRONMENT_VARIABLES[plan];
  if (vars.length > limit) {
    return {
      code: 10021,
      message:
        `The Worker has ${vars.length} environment variables (plain_text, json and secret_text bindings); ` +
        `the ${PLAN_NAME[plan]} plan allows at most ${limit} per Worker. Refer to ` +
        "https://developers.cloudflare.com/workers/platform/limits/#environment-variables",
    };
  }
  return undefined;
}

/**
 * 10027 with the message wrangler users reported for the former 3 MiB limit (cloudflare/workers-sdk#9101),
 * carrying the current limit: the wording for 64 MiB is adapted, not seen.
 */
export function scriptSizeRefusal(bytes: number): Refusal | undefined {
  if (bytes <= SCRIPT_BYTES) return undefined;
  return {
    code: 10027,
    message:
      "Your Worker exceeded the size limit of 64 MiB. Refer to the Workers documentation " +
      "(https://developers.cloudflare.com/workers/observability/errors/#errors-on-worker-upload) for more details.",
  };
}

/**
 * 10072 with the message Cloudflare answered a schedules PUT with on a Free account over its limit
 * (cloudflare/workers-sdk#15194, 2026); the Paid wording is the same sentence with Paid's numbers, a
 * guess. `accountTotal` is the account's count after the PUT: Cloudflare refused even a PUT of `[]`
 * while the account's other triggers were over the limit (the same issue), and so does this check.
 */
export function cronTriggerRefusal(accountTotal: number, plan: Plan): Refusal | undefined {
  const limit = CRON_TRIGGERS[plan];
  if (accountTotal <= limit) return undefined;
  return {
    code: 10072,
    message: `This account has reached the ${PLAN_NAME[plan]} limit of ${limit} cron triggers per account.`,
  };
}

/** "Each file must be under 25 MiB" (developers.cloudflare.com/workers/static-assets/direct-upload/). */
export const ASSET_FILE_BYTES = 25 * 1024 * 1024;

/** "Static Asset files per Worker version: 20,000 (Free), 100,000 (Paid)" (the limits page). */
export const ASSET_FILES: Record<Plan, number> = { free: 20_000, paid: 100_000 };

/**
 * A manifest with too many files or too large a file. Cloudflare's code and message are not
 * documented: 10021 (the Workers API's validation code) and the wording are a guess.
 */
export function assetManifestRefusal(
  files: { path: string; size: number }[],
  plan: Plan,
): Refusal | undefined {
  const large = files.find((f) => f.size > ASSET_FILE_BYTES);
  if (large) {
    return {
      code: 10021,
      message: `Asset ${large.path} is ${large.size} bytes; each static asset file must be at most 25 MiB`,
    };
  }
  if (files.length > ASSET_FILES[plan]) {
    return {
      code: 10021,
      message:
        `The manifest lists ${files.length} static asset files; the ${PLAN_NAME[plan]} plan allows at most ` +
        `${ASSET_FILES[plan]} per Worker version. Refer to https://developers.cloudflare.com/workers/platform/limits/`,
    };
  }
  return undefined;
}
