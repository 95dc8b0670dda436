import * as z from "zod/mini";
import { DEFAULT_CF_API_BASE } from "#contracts/worker/bindings.ts";
import {
  DEFAULT_DEPLOY_API,
  DEPLOY_API_CONFIG_KEY,
  type DeployApiSettings,
  deployApiSettings,
} from "../../api/deploy-api.ts";
import { processPace } from "../../api/pace.ts";
import { CloudflareRest } from "../../cloudflare-rest.ts";

/** The deploy token, where the Cloudflare provider reads it: stack config first, then the environment. */
export const DEPLOY_TOKEN_KEY = "cloudflare:apiToken";
const TOKEN_ENV = "CLOUDFLARE_API_TOKEN";
/** The program's own upstream base (infra/config.ts): the local engine points it at the emulator. */
const API_BASE_CONFIG_KEY = "realtime-stack:apiBase";

/** What `configure` hands a dynamic provider: the whole stack config, namespaced keys, secrets in plain. */
export interface StackConfigReader {
  get(key: string): string | undefined;
}

/** Who calls: the providers and the scripts each have their share of the token's budget. */
export type ApiUser = "providers" | "scripts";

function readDeployApi(raw: string | undefined): DeployApiSettings {
  if (raw === undefined) return DEFAULT_DEPLOY_API;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new Error(`${DEPLOY_API_CONFIG_KEY}: expected a structured YAML value (a map)`);
  }
  const parsed = z.safeParse(deployApiSettings, value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `${[DEPLOY_API_CONFIG_KEY, ...i.path].join(".")}: ${i.message}`,
    );
    throw new Error(problems.join("; "));
  }
  return parsed.data;
}

/**
 * The REST client for one process. The token is read when the host configures the provider,
 * never stored in the state: deleting with a provider serialized months ago uses today's token,
 * and rotating the token changes no resource's inputs. Every client of the process shares one pace
 * (api/pace.ts) at this user's share of the token's budget, and retries within the configured deadline.
 */
export class ApiSettings {
  private token: string | undefined;
  private baseUrl = DEFAULT_CF_API_BASE;
  private deployApi = DEFAULT_DEPLOY_API;

  constructor(private readonly user: ApiUser) {}

  configure(config: StackConfigReader | undefined, env: NodeJS.ProcessEnv): void {
    this.token = config?.get(DEPLOY_TOKEN_KEY) || env[TOKEN_ENV] || undefined;
    const base = config?.get(API_BASE_CONFIG_KEY);
    if (base) this.baseUrl = base.replace(/\/+$/, "");
    this.deployApi = readDeployApi(config?.get(DEPLOY_API_CONFIG_KEY));
  }

  /** A local stack: the emulator's API and its emulated deploy token stand in for Cloudflare's. */
  useEmulator(baseUrl: string, token: string): void {
    this.baseUrl = baseUrl;
    this.token = token;
  }

  client(): CloudflareRest {
    if (!this.token) {
      throw new Error(
        `no Cloudflare API token: set it with \`pulumi config set --secret ${DEPLOY_TOKEN_KEY} <token>\` or in ${TOKEN_ENV}`,
      );
    }
    const { share, scriptShare, retryDeadlineSeconds } = this.deployApi;
    return new CloudflareRest({
      baseUrl: this.baseUrl,
      token: this.token,
      pace: processPace(this.user === "providers" ? share : scriptShare),
      retry: { deadlineMs: retryDeadlineSeconds * 1000 },
    });
  }
}
