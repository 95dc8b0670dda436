import { describe, expect, it } from "vitest";
import { importPlaybackKey } from "./playback-token.ts";

describe("importPlaybackKey", () => {
  it("refuses a jwk that is not JSON without quoting it, since it is the private key", async () => {
    const material = `fake-key-material-${crypto.randomUUID()}`;
    const error = await importPlaybackKey("kid", btoa(material)).then(
      () => expect.unreachable("a jwk that is not JSON must be refused"),
      (e: unknown) => e as Error,
    );
    expect(error.message).toBe("the playback signing key's jwk is not base64 of a JSON Web Key");
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain(material);
  });
});
