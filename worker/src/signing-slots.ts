/**
 * The secrets a two-slot binding verifies with: the active slot's, then the other slot's (the
 * previous secret after a rotation, docs/operations.md#rotation), which is empty while that slot
 * holds none. Signing and deriving use the active one only.
 */
export const verifyingSecrets = (active: string, fallback: string): string[] =>
  fallback ? [active, fallback] : [active];

/**
 * The first defined result of `verify` across both slots. Both are always tried, so that the time a
 * refusal takes does not tell which slot a forged credential aimed at.
 */
export async function verifyWithEither<T>(
  config: { SIGNING_SECRET: string; SIGNING_SECRET_FALLBACK: string },
  verify: (secret: string) => Promise<T | undefined>,
): Promise<T | undefined> {
  const secrets = verifyingSecrets(config.SIGNING_SECRET, config.SIGNING_SECRET_FALLBACK);
  const results = await Promise.all(secrets.map(verify));
  return results.find((r) => r !== undefined);
}
