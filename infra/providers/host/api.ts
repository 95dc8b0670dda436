import { DEFAULT_CF_API_BASE } from "#contracts/worker/bindings.ts";
import { CloudflareRest } from "../../cloudflare-rest.ts";

/** The deploy token, where the Cloudflare provider reads it: stack config first, then the environment. */
const TOKEN_CONFIG_KEY = "cloudflare:apiToken";
const TOKEN_ENV = "CLOUDFLARE_API_TOKEN";
/** The program's own upstream base (infra/config.ts): the local engine points it at the emulator. */
const API_BASE_CONFIG_KEY = "realtime-stack:apiBase";

/** What `configure` hands a dynamic provider: the whole stack config, namespaced keys, secrets in plain. */
export interface StackConfigReader {
  get(key: string): string | undefined;
}

/**
 * The REST client for one provider process. The token is read when the host configures the
 * provider, never stored in the state: deleting with a provider serialized months ago uses
 * today's token, and rotating the token changes no resource's inputs.
 */
export class ApiSettings {
  private token: string | undefined;
  private baseUrl = DEFAULT_CF_API_BASE;

  configure(config: StackConfigReader | undefined, env: NodeJS.ProcessEnv): void {
    this.token = config?.get(TOKEN_CONFIG_KEY) || env[TOKEN_ENV] || undefined;
    const base = config?.get(API_BASE_CONFIG_KEY);
    if (base) this.baseUrl = base.replace(/\/+$/, "");
  }

  client(): CloudflareRest {
    if (!this.token) {
      throw new Error(
        `no Cloudflare API token: set it with \`pulumi config set --secret ${TOKEN_CONFIG_KEY} <token>\` or in ${TOKEN_ENV}`,
      );
    }
    return new CloudflareRest({ baseUrl: this.baseUrl, token: this.token });
  }
}
