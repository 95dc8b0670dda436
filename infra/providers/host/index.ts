import { sfuAppKind, turnKeyKind } from "./calls-app.ts";
import { dynamicProvider } from "./lifecycle.ts";
import { liveInputKind } from "./live-input.ts";
import { liveInputOutputKind } from "./live-input-output.ts";
import { signingKeyKind } from "./signing-key.ts";

/**
 * The entry point the serialized providers bundle in the dynamic-provider host
 * (../serialized-provider.ts): everything the host runs for these resources, with no import left
 * to resolve at run time. Each key is a kind that resources' states name, so the names stay.
 */
export const providers = {
  liveInput: dynamicProvider(liveInputKind),
  liveInputOutput: dynamicProvider(liveInputOutputKind),
  turnKey: dynamicProvider(turnKeyKind),
  sfuApp: dynamicProvider(sfuAppKind),
  signingKey: dynamicProvider(signingKeyKind),
};
export type ProviderKind = keyof typeof providers;
