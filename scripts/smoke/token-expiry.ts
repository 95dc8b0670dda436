import { token } from "#contracts/cloudflare/tokens.ts";
import { CloudflareApiError } from "#infra/cloudflare-rest.ts";
import { verifyOwnToken } from "../lib/own-token.ts";
import { CheckFailed, CheckWarning, type SmokeCheck } from "./check.ts";
import type { SmokeTarget } from "./target.ts";

/** Two weekly rotation runs (rotate.yml) and their deploys see a token before it expires. */
export const DEFAULT_EXPIRY_WARNING_MS = 14 * 86_400_000;

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `14d`, `36h`, `90m` as milliseconds; undefined when the text is none of these. */
export function parseExpiryWindow(text: string): number | undefined {
  const m = /^(\d{1,5})([dhm])$/.exec(text);
  return m ? Number(m[1]) * UNITS[m[2]!]! : undefined;
}

const DAY = 86_400_000;
const HOUR = 3_600_000;
const count = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`;
/** A span in its largest whole unit: "3 days", "5 hours", "1 minute". */
const describeIn = (ms: number) =>
  ms >= DAY
    ? count(Math.floor(ms / DAY), "day")
    : ms >= HOUR
      ? count(Math.floor(ms / HOUR), "hour")
      : count(Math.max(1, Math.floor(ms / 60_000)), "minute");

interface TokenState {
  status: "active" | "disabled" | "expired";
  expires_on?: string | undefined;
}

/**
 * The verdict on one token: expired or disabled fails (whatever holds it is refused by Cloudflare),
 * expiring within the window warns, anything else passes with when it expires.
 */
function judge(label: string, state: TokenState, windowMs: number, now: number): string | CheckWarning {
  const expiresAt = state.expires_on === undefined ? undefined : Date.parse(state.expires_on);
  if (state.status === "expired" || (expiresAt !== undefined && expiresAt <= now)) {
    throw new CheckFailed(`${label} expired on ${state.expires_on}: Cloudflare refuses it`);
  }
  if (state.status === "disabled") throw new CheckFailed(`${label} is disabled: Cloudflare refuses it`);
  if (expiresAt === undefined) return `${label} never expires`;
  const left = expiresAt - now;
  const when = `${label} expires ${state.expires_on}, in ${describeIn(left)}`;
  return left <= windowMs
    ? new CheckWarning(
        `${when}, within the ${describeIn(windowMs)} warning window: roll or replace it before then`,
      )
    : when;
}

export interface TokenExpiryOptions {
  /** A token that expires within this many ms warns. */
  warnWithinMs: number;
  /** The clock (tests). */
  now?: () => number;
}

/**
 * One check per Cloudflare token the stack runs on that smoke can see without reading a secret: the
 * deploy token it holds (its own verify), and each slot of the Worker's API token, read by id from
 * the stack outputs with the deploy token (`GET /accounts/{account_id}/tokens/{token_id}`, Account API
 * Tokens Read, which Account API Tokens Write includes; docs/reference/cloudflare-api.md §7.1). The
 * Worker's secret itself is never read. Nothing without the deploy token (a Worker by `--url`).
 */
export function tokenExpiryChecks(target: SmokeTarget, options: TokenExpiryOptions): SmokeCheck[] {
  if (!target.cloudflare) return [];
  const { client, accountId } = target.cloudflare;
  const now = options.now ?? Date.now;
  const checks: SmokeCheck[] = [
    {
      name: "token deploy",
      async run(signal) {
        const own = await verifyOwnToken(client, accountId, signal).catch((e: unknown) => {
          // A refusal (401, 403) is the token's fault (an expired token is refused as invalid);
          // another failure, such as an outage of a verify endpoint, says nothing of the token.
          if (!(e instanceof CloudflareApiError)) throw e;
          if (e.status !== 401 && e.status !== 403) {
            throw new CheckFailed(`Cloudflare could not verify the deploy token: ${e.message}`);
          }
          throw new CheckFailed(
            `Cloudflare refuses the deploy token (expired, disabled or wrong): ${e.message}`,
          );
        });
        return judge(`the deploy token ${own.verified.id}`, own.verified, options.warnWithinMs, now());
      },
    },
  ];
  const slots = target.workerApiTokens;
  if (!slots) return checks;
  for (const slot of ["a", "b"] as const) {
    const { tokenId } = slots[slot];
    const label = `the Worker's API token ${tokenId} (slot ${slot}${slots.active === slot ? ", active" : ""})`;
    checks.push({
      name: `token worker-api ${slot}`,
      async run(signal) {
        const state = await client
          .call("GET", `/accounts/${accountId}/tokens/${tokenId}`, token, undefined, { signal })
          .catch((e: unknown) => {
            if (e instanceof CloudflareApiError && e.status === 404) {
              throw new CheckFailed(`${label} does not exist on Cloudflare`);
            }
            throw e;
          });
        return judge(label, state, options.warnWithinMs, now());
      },
    });
  }
  return checks;
}
