import { describeInterruptions, RotationStack } from "./support/rotation.ts";

// A rotation of the stack's own tenant keys, signing and webhook secrets and deploy token killed at each point of each step, then run again.
describeInterruptions(new RotationStack(), "own-secrets");
