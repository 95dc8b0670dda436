import * as pulumi from "@pulumi/pulumi";
import type { RealtimeStackOutputs } from "#infra/stack.ts";
import { FakeCloudflare } from "./fake-cloudflare.ts";

export const PROJECT = "realtime-stack";

/** Config keys Pulumi would hand over as secrets (set with `pulumi config set --secret`). */
const SECRET_KEYS = [
  "signingSecret",
  "signingSecretB",
  "webhookSecret",
  "webhookSecretB",
  "outputStreamKeys",
].map((k) => `${PROJECT}:${k}`);

export interface Evaluation {
  outputs: RealtimeStackOutputs;
  fake: FakeCloudflare;
}

/**
 * Runs the real program (infra/index.ts's default export, as Pulumi's runtime calls it) once under
 * fresh mocks, and returns once every registration has reached the mocks.
 */
export async function evaluateProgram(
  config: Record<string, string>,
  fake = new FakeCloudflare(),
  stack = "dev",
): Promise<Evaluation> {
  await pulumi.runtime.setMocks(fake, PROJECT, stack, false);
  pulumi.runtime.setAllConfig(config, SECRET_KEYS);
  // Imported only once mocks are in place, as Pulumi's mock testing requires.
  const { default: program } = await import("#infra/index.ts");
  try {
    return { outputs: await program(), fake };
  } finally {
    await pulumi.runtime.disconnect();
  }
}

/** The plain value of an output (nested outputs resolved), whether or not it is secret. */
export function resolve<T>(value: pulumi.Input<T>): Promise<pulumi.Unwrap<T>> {
  return new Promise((done) => {
    pulumi.output(value).apply((v) => {
      done(v);
      return v;
    });
  });
}
