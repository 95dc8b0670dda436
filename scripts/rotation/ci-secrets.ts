import sodium from "libsodium-wrappers";
import * as z from "zod";

/**
 * Where CI keeps its copy of a secret that a rotation replaces (the deploy token). One small
 * interface, so that a store other than GitHub's is one more implementation, not a change to rotate.
 */
export interface CiSecretStore {
  /** For messages: which store, e.g. "GitHub Actions secrets of acme/realtime". */
  readonly description: string;
  /** Creates or replaces the secret; resolves once the store has it. */
  put(name: string, value: string, signal?: AbortSignal): Promise<"created" | "updated">;
}

class CiSecretError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "CiSecretError";
  }
}

/**
 * GitHub Actions secret names: letters, digits and `_`, not starting with a digit or `GITHUB_`
 * (docs.github.com "Using secrets in GitHub Actions", naming rules).
 */
const SECRET_NAME = /^(?!GITHUB_)(?![0-9])[A-Za-z0-9_]+$/i;

/** `GET /repos/{owner}/{repo}/actions/secrets/public-key` (docs/reference/rotation-credentials.md §3). */
const publicKey = z.object({ key_id: z.string().min(1), key: z.string().min(1) });

export interface GitHubSecretsOptions {
  /** `owner/repo`. */
  repository: string;
  /** A fine-grained token or GitHub App token with the repository's Secrets permission (write). */
  token: string;
  apiBase?: string;
  fetch?: typeof fetch;
}

/**
 * GitHub Actions repository secrets through the REST API: the value is sealed with libsodium's
 * `crypto_box_seal` for the repository's public key, as "Create or update a repository secret"
 * requires (docs.github.com/en/rest/actions/secrets#create-or-update-a-repository-secret), then PUT
 * with that key's id; 201 means created, 204 updated. The workflow's own GITHUB_TOKEN cannot do
 * this: it has no `secrets` permission (docs/ci.md).
 */
export class GitHubActionsSecrets implements CiSecretStore {
  readonly description: string;
  private readonly base: string;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: GitHubSecretsOptions) {
    if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(options.repository))
      throw new CiSecretError(`not a GitHub repository (owner/repo): ${options.repository}`);
    this.description = `GitHub Actions secrets of ${options.repository}`;
    this.base = (options.apiBase ?? "https://api.github.com").replace(/\/+$/, "");
    this.fetchImpl = options.fetch ?? fetch;
  }

  async put(name: string, value: string, signal?: AbortSignal): Promise<"created" | "updated"> {
    if (!SECRET_NAME.test(name)) throw new CiSecretError(`not a valid GitHub Actions secret name: ${name}`);
    const path = `/repos/${this.options.repository}/actions/secrets`;
    // Fetched before each write: GitHub may have changed the repository's key since.
    const key = publicKey.parse(
      await this.call("GET", `${path}/public-key`, undefined, signal).then((r) => r.json()),
    );
    await sodium.ready;
    const sealed = sodium.crypto_box_seal(
      sodium.from_string(value),
      sodium.from_base64(key.key, sodium.base64_variants.ORIGINAL),
    );
    const res = await this.call(
      "PUT",
      `${path}/${name}`,
      { encrypted_value: sodium.to_base64(sealed, sodium.base64_variants.ORIGINAL), key_id: key.key_id },
      signal,
    );
    await res.arrayBuffer();
    if (res.status === 201) return "created";
    if (res.status === 204) return "updated";
    throw new CiSecretError(`${this.description}: PUT ${name} answered ${res.status}`, res.status);
  }

  private async call(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
    const res = await this.fetchImpl(`${this.base}${path}`, {
      method,
      headers: {
        accept: "application/vnd.github+json",
        "x-github-api-version": "2022-11-28",
        authorization: `Bearer ${this.options.token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal ? { signal } : {}),
    });
    if (res.status >= 400) {
      await res.arrayBuffer();
      const hint =
        res.status === 401 || res.status === 403 || res.status === 404
          ? " (the token needs the repository's Secrets permission, write; the workflow's GITHUB_TOKEN has none)"
          : "";
      throw new CiSecretError(
        `${this.description}: ${method} ${path} answered ${res.status}${hint}`,
        res.status,
      );
    }
    return res;
  }
}

/**
 * The store a rotation writes the new deploy token to, from the environment: `GITHUB_REPOSITORY`
 * (set by GitHub Actions) and `CI_SECRETS_TOKEN`. Without them there is none, and the caller must
 * say that CI's copy has to be updated by hand, and fail, rather than leave CI with a dead token.
 */
export function ciSecretStoreFromEnv(env: NodeJS.ProcessEnv): CiSecretStore | undefined {
  const repository = env.GITHUB_REPOSITORY;
  const token = env.CI_SECRETS_TOKEN;
  if (!repository || !token) return undefined;
  return new GitHubActionsSecrets({
    repository,
    token,
    ...(env.GITHUB_API_URL ? { apiBase: env.GITHUB_API_URL } : {}),
  });
}
