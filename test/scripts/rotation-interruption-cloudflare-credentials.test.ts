import { describeInterruptions, RotationStack } from "./support/rotation.ts";

// A rotation of the Cloudflare credentials kept in two slots (TURN key, SFU app, the Worker's API token) killed at each point of each step, then run again.
describeInterruptions(new RotationStack(), "cloudflare-credentials");
