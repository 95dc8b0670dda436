import type { EmulatorService } from "../../../core/service.ts";
import { type ForwardingFaults, type SfuMediaOptions, SfuMediaPlane } from "./plane.ts";

/**
 * The SFU half of the media plane: the peer connections behind the Realtime API's sessions. It
 * has no routes of its own (the Realtime service answers the API) and no state that outlives the
 * process; reset ends every session's connection. `faults` drop what it would forward.
 */
export function sfuMediaService(
  options: SfuMediaOptions = {},
  faults?: ForwardingFaults,
): EmulatorService<SfuMediaPlane> {
  return { store: new SfuMediaPlane(options, faults), mounts: [] };
}
