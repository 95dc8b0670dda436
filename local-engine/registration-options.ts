import * as pulumi from "@pulumi/pulumi";
import type { RegistrationOptions } from "./dynamic-resources.ts";
import { resourceKey } from "./state-file.ts";

/**
 * Mocks hand `newResource` the inputs only; the options Pulumi's engine acts on (secret outputs,
 * delete-before-replace, an id to import) are read off the registration request itself.
 */
export function captureRegistrationOptions(into: Map<string, RegistrationOptions>): void {
  type Request = {
    getType(): string;
    getName(): string;
    getImportid(): string;
    getAdditionalsecretoutputsList(): string[];
    getDeletebeforereplace(): boolean;
  };
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(req: Request, callback: unknown): void;
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    into.set(resourceKey(req.getType(), req.getName()), {
      ...(req.getImportid() ? { importId: req.getImportid() } : {}),
      additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
      deleteBeforeReplace: req.getDeletebeforereplace(),
    });
    register(req, callback);
  };
}
