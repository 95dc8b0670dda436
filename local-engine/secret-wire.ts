/**
 * Pulumi's wire format for a secret value, as mocks receive and return it: an object with the
 * signature key set to the secret signature and the value beside it (`specialSigKey` and
 * `specialSecretSig` in @pulumi/pulumi's runtime/rpc.js).
 */
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export function isWrappedSecret(value: unknown): value is { value: unknown } {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG
  );
}

export const wrapSecret = (value: unknown) => ({ [SECRET_SIG_KEY]: SECRET_SIG, value });

/** The value with every secret wrapper removed, at any depth. */
export function unwrapSecrets(value: unknown): unknown {
  if (isWrappedSecret(value)) return unwrapSecrets(value.value);
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}
